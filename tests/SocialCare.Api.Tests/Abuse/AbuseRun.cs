using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>The answer a case got: its status and problem code (null when it was no problem at all).</summary>
public sealed record Answer(HttpStatusCode Status, string? Code)
{
    public override string ToString() => $"{(int)Status} {Code}";
}

/// <summary>
/// Sends bad requests and checks each answer: a 4xx (the one expected, when a case names it) RFC 9457 problem with a
/// stable code, nothing of the victim's or of brand Beta's in it, and the event log of both workspaces unchanged.
/// </summary>
public sealed class AbuseRun(AbuseWorld world)
{
    private static readonly HashSet<string> StableCodes = ProblemCodes.All.ToHashSet();

    /// <summary>How long a bad request may take to be refused; longer is a finding, not a reason to stop the
    /// suite.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _failures = [];
    private readonly HashSet<string> _operations = [];
    private int _cases;

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Sends one bad request; <paramref name="status"/> and <paramref name="codes"/>, when given, are the only
    /// answers allowed.</summary>
    public async Task<Answer> SendAsync(
        ServedOperation operation,
        string name,
        HttpClient client,
        HttpRequestMessage request,
        HttpStatusCode? status = null,
        params string[] codes
    )
    {
        using (request)
        {
            var before = await world.CountEventsAsync();
            _cases++;
            _operations.Add(operation.ToString());
            using var patience = new CancellationTokenSource(Patience);
            HttpResponseMessage response;
            string body;
            try
            {
                response = await client.SendAsync(request, patience.Token);
                body = await response.Content.ReadAsStringAsync(patience.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                // A stream that never ends (a bad request taken for a good one), or an answer the hub broke off.
                _failures.Add(
                    $"{operation} [{name}] {request.RequestUri}: no whole answer within "
                        + $"{Patience.TotalSeconds} s ({e.GetBaseException().Message})"
                );
                return new Answer(HttpStatusCode.RequestTimeout, null);
            }

            using var answered = response;
            var after = await world.CountEventsAsync();
            var (answer, problems) = Check(response, body, status, codes);
            if (!operation.Statuses.Contains((int)response.StatusCode))
            {
                // A client generated from the document would have no type for this answer.
                problems.Add($"status {(int)response.StatusCode} is not documented for this operation");
            }

            if (after != before)
            {
                problems.Add($"the event log changed ({before} → {after} events)");
            }

            if (problems.Count > 0)
            {
                _failures.Add(
                    $"{operation} [{name}] {request.RequestUri}: {string.Join("; ", problems)} "
                        + $"— answered {answer}: {Shorten(body)}"
                );
            }

            return answer;
        }
    }

    public void Fail(ServedOperation operation, string name, string why) =>
        _failures.Add($"{operation} [{name}]: {why}");

    public string Summary(string what) =>
        $"Abuse suite, {what}: {_cases} cases over {_operations.Count} operations in "
        + $"{_clock.Elapsed.TotalSeconds:F1} s, {_failures.Count} failed.";

    private (Answer, List<string>) Check(
        HttpResponseMessage response,
        string body,
        HttpStatusCode? status,
        string[] codes
    )
    {
        var problems = new List<string>();
        string? code = null;
        // A batch answers 200 with each item's outcome: a request whose items all failed is judged by the first item's
        // problem, which is what that item alone would have got.
        var itemProblem = response.StatusCode == HttpStatusCode.OK ? FailedItemProblem(body) : null;
        var answered = itemProblem?["status"]?.GetValue<int>() is { } itemStatus
            ? (HttpStatusCode)itemStatus
            : response.StatusCode;
        if ((int)answered is < 400 or >= 500)
        {
            problems.Add((int)answered >= 500 ? "a server error" : "a success for a bad request");
        }
        else if (status is { } expected && answered != expected)
        {
            problems.Add($"expected {(int)expected}");
        }

        if (itemProblem is null && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            problems.Add($"not a problem (Content-Type {response.Content.Headers.ContentType?.MediaType ?? "none"})");
        }
        else if ((itemProblem ?? ReadProblem(body)) is not { } problem)
        {
            problems.Add("a problem that is not JSON");
        }
        else
        {
            code = problem["code"]?.GetValue<string>();
            if (
                code is null
                || !StableCodes.Contains(code)
                || problem["type"]?.GetValue<string>() != ProblemCodes.TypePrefix + code
                || problem["status"]?.GetValue<int>() != (int)answered
            )
            {
                problems.Add("a problem without a stable code, type and status");
            }
            else if (codes.Length > 0 && !codes.Contains(code))
            {
                problems.Add($"expected code {string.Join(" or ", codes)}");
            }
        }

        if (
            body.Contains(world.VictimMarker, StringComparison.Ordinal)
            || body.Contains(world.BetaMarker, StringComparison.Ordinal)
        )
        {
            problems.Add("ANOTHER WORKSPACE'S OR BRAND'S DATA in the answer");
        }

        return (new Answer(answered, code), problems);
    }

    /// <summary>The first item's problem of a batch's answer whose every item failed; null for any other
    /// answer.</summary>
    private static JsonNode? FailedItemProblem(string body) =>
        ReadProblem(body) is JsonObject answer
        && answer["results"] is JsonArray { Count: > 0 } results
        && results.All(r => r?["status"]?.GetValue<string>() == "failed" && r["problem"] is JsonObject)
            ? results[0]!["problem"]
            : null;

    private static JsonNode? ReadProblem(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body) => body.Length <= 400 ? body : body[..400] + "…";
}
