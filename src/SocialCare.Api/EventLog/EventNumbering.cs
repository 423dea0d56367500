using System.Data.Common;
using System.Text.RegularExpressions;
using JasperFx.Events;
using Npgsql;
using Weasel.Core;
using Weasel.Storage;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Events are numbered in commit order. Events take their numbers from Marten's PostgreSQL sequence as they are
/// inserted, and transactions commit in whatever order they finish, so on its own a reader that has seen number N could
/// later see an N - 1 commit, and skip it. So every transaction that appends takes one lock first, in the same batch
/// just before the appends (<see cref="EventAppends"/>), and holds it until its COMMIT, which follows in that batch:
/// numbers are taken one transaction at a time, and the next transaction takes its first number only once the previous
/// one's are visible. A reader that resumes after N therefore misses nothing (a rolled-back transaction leaves a gap,
/// never a late event). The lock is the table <c>event_numbering</c>'s (migration 0023), which nothing else takes: a
/// statement that returns no rows, as Marten expects of an operation that reads nothing back.
/// </summary>
internal static partial class EventNumbering
{
    /// <summary>Taking the lock: queued as an event operation before the appends, so it runs before them.</summary>
    public static readonly Statement Lock = new(
        new NpgsqlBatchCommand("lock table event_numbering in exclusive mode"),
        BeforeAppends: true
    );

    /// <summary>
    /// One statement of ours in Marten's batch, with its parameters; it must return no rows (Marten reads no result of
    /// it). Marten sends event operations (<see cref="IEvent"/> as the document type) first, in the order queued: a
    /// statement <paramref name="BeforeAppends"/>, queued before the appends, runs before them, any other after them
    /// all.
    /// </summary>
    public sealed record Statement(NpgsqlBatchCommand Command, bool BeforeAppends)
        : Marten.Internal.Operations.IStorageOperation,
            NoDataReturnedCall
    {
        public Type DocumentType => BeforeAppends ? typeof(IEvent) : typeof(Statement);

        public void ConfigureCommand(Weasel.Postgresql.ICommandBuilder builder, IStorageSession session)
        {
            // Marten's builder numbers parameters as they are appended: each $n of the statement becomes the next one.
            var sql = Command.CommandText;
            var at = 0;
            foreach (Match placeholder in Placeholder().Matches(sql))
            {
                builder.Append(sql[at..placeholder.Index]);
                var parameter = Command.Parameters[int.Parse(placeholder.Groups[1].ValueSpan, provider: null) - 1];
                builder.AppendParameter(parameter.Value ?? DBNull.Value, parameter.NpgsqlDbType);
                at = placeholder.Index + placeholder.Length;
            }

            builder.Append(sql[at..]);
        }

        public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) =>
            Task.CompletedTask;

        public OperationRole Role() => OperationRole.Other;
    }

    [GeneratedRegex(@"\$([0-9]+)")]
    private static partial Regex Placeholder();
}
