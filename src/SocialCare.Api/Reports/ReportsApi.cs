using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Workflow.Brands;

namespace SocialCare.Api.Reports;

/// <summary>
/// Care reports (scope <c>reports:read</c>; a brand-limited key sees its brands' figures only), computed from the
/// event log by <see cref="ReportProjector"/>: response times, volume and customer feedback over a range, grouped,
/// as JSON or, with <c>Accept: text/csv</c>, as the same rows in CSV. docs/reports.md defines every figure.
/// </summary>
public static class ReportsApi
{
    private const string Csv = "text/csv";

    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddOptions<ReportOptions>().BindConfiguration(ReportOptions.Section);
        return services.AddSingleton<ReportQueries>().AddHostedService<ReportProjector>();
    }

    public static RouteGroupBuilder MapReports(this RouteGroupBuilder v1)
    {
        var reports = v1.MapGroup("/reports").WithTags("Reports").RequireScope(Scopes.ReportsRead);
        reports
            .MapGet("/response-times", ResponseTimes)
            .WithName("GetResponseTimesReport")
            .Produces<ResponseTimesReport>(StatusCodes.Status200OK, "application/json", Csv)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary(
                "Conversations opened, acknowledged, answered and resolved, and how long each took (count, mean, "
                    + "p50, p90, p99), per group of the episodes that started in [from, to)."
            );
        reports
            .MapGet("/volume", Volume)
            .WithName("GetVolumeReport")
            .Produces<VolumeReport>(StatusCodes.Status200OK, "application/json", Csv)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Engagements in, replies out and new customers per hour or day of [from, to).");
        reports
            .MapGet("/feedback", Feedback)
            .WithName("GetFeedbackReport")
            .Produces<FeedbackReport>(StatusCodes.Status200OK, "application/json", Csv)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary(
                "Survey answers given in [from, to) per kind (CSAT, NES, CES, NPS) and group: count, mean, "
                    + "distribution and the kind's score."
            );
        v1.MapPost("/admin/reports/rebuild", Rebuild)
            .WithName("RebuildReports")
            .WithTags("Administration")
            .RequireAdmin()
            .Produces<ReportsRebuild>(StatusCodes.Status202Accepted)
            .WithSummary(
                "Empty every report and project it again from the start of the event log (admin): the figures come "
                    + "back the same."
            );
        return v1;
    }

    /// <summary>What every report is asked with: the range, the grouping and the time zone, and the services that
    /// answer it.</summary>
    internal sealed record ReportRequest(
        HttpContext Http,
        ReportQueries Queries,
        TimeProvider Clock,
        IOptions<ReportOptions> Options,
        [property: FromQuery(Name = "from")] DateTimeOffset? From,
        [property: FromQuery(Name = "to")] DateTimeOffset? To,
        [property: FromQuery(Name = "groupBy")] string? GroupBy,
        [property: FromQuery(Name = "timeZone")] string? TimeZone
    );

    private static Task<IResult> ResponseTimes(
        [AsParameters] ReportRequest request,
        bool? businessHours,
        CancellationToken ct
    ) =>
        AnswerAsync(
            request,
            "response-times",
            ReportQueries.ResponseGroupings,
            null,
            async scope =>
            {
                var report = await request.Queries.ResponseTimesAsync(
                    scope,
                    request.GroupBy,
                    businessHours ?? false,
                    ct
                );
                return (report, report.Rows.Append(report.Total with { Key = "total" }));
            }
        );

    private static Task<IResult> Volume([AsParameters] ReportRequest request, string? interval, CancellationToken ct) =>
        AnswerAsync(
            request,
            "volume",
            ReportQueries.VolumeGroupings,
            interval is null or "hour" or "day"
                ? null
                : Problem.Of(
                    StatusCodes.Status400BadRequest,
                    ProblemCodes.BadRequest,
                    "Unknown interval",
                    "interval is 'hour' or 'day'."
                ),
            async scope =>
            {
                var report = await request.Queries.VolumeAsync(scope, interval ?? "day", request.GroupBy, ct);
                return (report, report.Rows.AsEnumerable());
            }
        );

    private static Task<IResult> Feedback([AsParameters] ReportRequest request, CancellationToken ct) =>
        AnswerAsync(
            request,
            "feedback",
            ReportQueries.FeedbackGroupings,
            null,
            async scope =>
            {
                var report = await request.Queries.FeedbackAsync(
                    scope,
                    request.GroupBy == "kind" ? null : request.GroupBy,
                    ct
                );
                return (report, report.Rows.AsEnumerable());
            }
        );

    /// <summary>A report's answer: its parameters checked (a 400 problem for any that is not understood), then the
    /// report as JSON, or its rows as CSV.</summary>
    private static async Task<IResult> AnswerAsync<T, TRow>(
        ReportRequest request,
        string name,
        string[] groupings,
        ProblemHttpResult? invalid,
        Func<ReportScope, Task<(T Report, IEnumerable<TRow> Rows)>> query
    )
    {
        if ((Grouping(request.GroupBy, groupings) ?? invalid) is { } problem)
        {
            return problem;
        }

        var (scope, outOfRange) = Scope(
            request.Http.User,
            request.Clock,
            request.Options.Value,
            request.From,
            request.To,
            request.TimeZone
        );
        if (outOfRange is not null)
        {
            return outOfRange;
        }

        var (report, rows) = await query(scope!);
        return Answer(request.Http, name, report, rows);
    }

    private static async Task<Accepted<ReportsRebuild>> Rebuild(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The checkpoint's row is taken as a pass takes it, so the rebuild waits for a pass under way to commit.
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            NpgsqlBatchCommand Command(string sql)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(new NpgsqlParameter { Value = ReportProjector.Follower });
                return command;
            }

            batch.BatchCommands.Add(
                Command(
                    "insert into mt_event_progression (name, last_seq_id, last_updated) values ($1, 0, now()) "
                        + "on conflict do nothing"
                )
            );
            batch.BatchCommands.Add(Command("select 1 from mt_event_progression where name = $1 for update"));
            batch.BatchCommands.Add(
                new NpgsqlBatchCommand(
                    """
                    truncate report_conversations, report_episodes, report_response_hours, report_response_days,
                        report_volume, report_customers, report_feedback, report_calendars
                    """
                )
            );
            batch.BatchCommands.Add(
                Command("update mt_event_progression set last_seq_id = 0, last_updated = now() where name = $1")
            );
            await batch.ExecuteNonQueryAsync(ct);
        }

        await using var head = new NpgsqlCommand(
            "select coalesce(max(seq_id), 0) from mt_events",
            connection,
            transaction
        );
        var at = (long)(await head.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        return TypedResults.Accepted((string?)null, new ReportsRebuild(at));
    }

    private static ProblemHttpResult? Grouping(string? groupBy, string[] allowed) =>
        groupBy is null || allowed.Contains(groupBy, StringComparer.Ordinal)
            ? null
            : Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Unknown groupBy",
                $"groupBy is one of {string.Join(", ", allowed)}."
            );

    /// <summary>The range and zone of a report: [from, to) on whole hours (from rounded down, to rounded up), by
    /// default the 7 days up to now, at most <see cref="ReportOptions.MaxRangeDays"/> long.</summary>
    private static (ReportScope? Scope, ProblemHttpResult? Problem) Scope(
        ClaimsPrincipal user,
        TimeProvider clock,
        ReportOptions options,
        DateTimeOffset? from,
        DateTimeOffset? to,
        string? timeZone
    )
    {
        ProblemHttpResult Bad(string title, string detail) =>
            Problem.Of(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, title, detail);

        var zone = timeZone ?? "UTC";
        if (!BrandDays.IsIanaZone(zone))
        {
            return (null, Bad("Unknown time zone", "timeZone is an IANA time zone, such as Europe/Amsterdam or UTC."));
        }

        var end = HourCeiling(to ?? clock.GetUtcNow());
        var start = ReportPeriods.Hour(from ?? end.AddDays(-7));
        if (start >= end)
        {
            return (null, Bad("Empty range", "from must be before to."));
        }

        if (end - start > TimeSpan.FromDays(options.MaxRangeDays))
        {
            return (
                null,
                Bad("Range too long", $"A report covers at most {options.MaxRangeDays} days; ask for several.")
            );
        }

        return (
            new ReportScope(
                user.RequiredWorkspaceId(),
                user.Brands(),
                start,
                end,
                TimeZoneInfo.FindSystemTimeZoneById(zone)
            ),
            null
        );
    }

    private static DateTimeOffset HourCeiling(DateTimeOffset at)
    {
        var hour = ReportPeriods.Hour(at);
        return hour == at ? hour : hour.AddHours(1);
    }

    /// <summary>The report as JSON, or its rows as CSV when the caller prefers <c>text/csv</c>.</summary>
    private static IResult Answer<T, TRow>(HttpContext http, string name, T report, IEnumerable<TRow> rows)
    {
        // CSV when the caller lists it, unless it prefers JSON (a higher quality).
        var accept = http.Request.GetTypedHeaders().Accept;
        double Quality(string type) =>
            accept
                .Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
                .Select(a => a.Quality ?? 1)
                .DefaultIfEmpty(-1)
                .Max();
        var csv = Quality(Csv);
        if (csv <= 0 || Quality("application/json") > csv)
        {
            return TypedResults.Ok(report);
        }

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.csv\"";
        return TypedResults.Text(CsvRows.Write(rows), "text/csv; charset=utf-8");
    }
}
