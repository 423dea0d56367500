using System.Text.Json;
using System.Text.RegularExpressions;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>A command's outcome: the events it causes (none = nothing to change), or why it is refused.</summary>
public sealed record Decision(IReadOnlyList<HubEvent> Events, Rejection? Rejected = null)
{
    public static Decision Accept(params HubEvent[] events) => new(events);

    public static Decision Unchanged { get; } = new([]);

    public static Decision Refuse(string code, string detail) => new([], new Rejection(code, detail));
}

/// <summary>
/// The conversation workflow as pure functions: state and command in, events (or a refusal) out. No I/O here;
/// <see cref="CommandRunner"/> loads the state, appends the events and projects them.
/// </summary>
public static partial class ConversationDecisions
{
    /// <summary>The most tags one conversation carries.</summary>
    public const int MaxTags = 100;

    public static Decision Acknowledge(ConversationState s, DateTimeOffset now)
    {
        if (s.IsResolved)
        {
            return Decision.Refuse(ProblemCodes.ConversationResolved, "The conversation is resolved; reopen it first.");
        }

        return s.AcknowledgedAt is { } at
            ? Decision.Refuse(ProblemCodes.AlreadyAcknowledged, $"The conversation was acknowledged at {at:O}.")
            : Decision.Accept(
                new ConversationAcknowledged
                {
                    AcknowledgedAt = now,
                    TimeToAcknowledgeSeconds = Seconds(s.EpisodeOpenedAt, now),
                }
            );
    }

    /// <summary>
    /// Assigns to a team and/or agent. Once the workspace has teams (<paramref name="teams"/>), the team must be one
    /// of them that takes the conversation's brand, and is recorded by its own name; a workspace without teams
    /// assigns any team name, as it always could.
    /// </summary>
    public static Decision Assign(ConversationState s, string? team, string? agent, TeamMatch teams)
    {
        (team, agent) = (Clean(team), Clean(agent));
        if (team is not null && teams.HasTeams)
        {
            if (teams.Name is null || (teams.Brands is { } brands && !brands.Contains(s.Brand, StringComparer.Ordinal)))
            {
                return Decision.Refuse(
                    ProblemCodes.UnknownTeam,
                    teams.Name is null
                        ? $"The workspace has no team named '{team}' (GET /v1/teams lists them)."
                        : $"The team '{teams.Name}' does not take brand '{s.Brand}'."
                );
            }

            team = teams.Name;
        }

        return team == s.Team && agent == s.Agent
            ? Decision.Unchanged
            : Decision.Accept(
                new ConversationAssigned
                {
                    Team = team,
                    Agent = agent,
                    PreviousTeam = s.Team,
                    PreviousAgent = s.Agent,
                }
            );
    }

    public static Decision Tag(ConversationState s, IEnumerable<string>? add, IEnumerable<string>? remove)
    {
        var current = s.Tags.ToHashSet(StringComparer.Ordinal);
        var added = (add ?? [])
            .Select(NormaliseTag)
            .Where(t => t.Length > 0 && !current.Contains(t))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var removed = (remove ?? [])
            .Select(NormaliseTag)
            .Where(current.Contains)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (added.Count == 0 && removed.Count == 0)
        {
            return Decision.Unchanged;
        }

        var tags = s.Tags.Except(removed, StringComparer.Ordinal).Concat(added).ToList();
        if (added.Count > 0 && tags.Count > MaxTags)
        {
            // Every conversation.tagged event carries the whole list, and every reader and filter reads it.
            return Decision.Refuse(
                ProblemCodes.TooManyTags,
                $"A conversation carries at most {MaxTags} tags; it has {s.Tags.Count}. Remove some first."
            );
        }

        return Decision.Accept(
            new ConversationTagged
            {
                Added = added,
                Removed = removed,
                Tags = tags,
            }
        );
    }

    public static Decision Note(string text) =>
        Decision.Accept(new ConversationNoteAdded { NoteId = Guid.CreateVersion7(), Text = text });

    public static Decision Prioritise(ConversationState s, string level, string? reason) =>
        level == s.Priority
            ? Decision.Unchanged
            : Decision.Accept(
                new ConversationPriorityChanged
                {
                    Level = level,
                    PreviousLevel = s.Priority,
                    Reason = Clean(reason),
                }
            );

    public static Decision Link(ConversationState s, string system, string recordType, string recordId, string? url)
    {
        (system, recordType) = (system.Trim().ToLowerInvariant(), recordType.Trim().ToLowerInvariant());
        recordId = recordId.Trim();
        return s.Links.Contains(ConversationState.LinkKey(system, recordType, recordId))
            ? Decision.Unchanged
            : Decision.Accept(
                new ConversationLinked
                {
                    System = system,
                    RecordType = recordType,
                    RecordId = recordId,
                    Url = Clean(url),
                }
            );
    }

    public static Decision UpdateContext(
        string @namespace,
        IReadOnlyDictionary<string, JsonElement>? values,
        IReadOnlyDictionary<string, JsonElement>? personalValues
    ) =>
        (values?.Count ?? 0) + (personalValues?.Count ?? 0) == 0
            ? Decision.Unchanged
            : Decision.Accept(
                new ConversationContextUpdated
                {
                    Namespace = @namespace,
                    Values = values ?? new Dictionary<string, JsonElement>(),
                    PersonalValues = personalValues is { Count: > 0 } ? personalValues : null,
                }
            );

    public static Decision Resolve(
        ConversationState s,
        EventActor actor,
        string? reason,
        bool force,
        DateTimeOffset now
    )
    {
        if (s.IsResolved)
        {
            return Decision.Refuse(ProblemCodes.AlreadyResolved, $"The conversation was resolved at {s.ResolvedAt:O}.");
        }

        var claim = s.ActiveClaim(now);
        var othersClaim = claim is not null && claim.KeyId != actor.KeyId;
        if (othersClaim && !force)
        {
            return ClaimedByOther(claim!);
        }

        var resolved = Resolution(
            s.EpisodeOpenedAt,
            s.AcknowledgedAt,
            s.CurrentChannelId,
            s.CurrentChannelType,
            Clean(reason),
            now
        ) with
        {
            Forced = othersClaim,
        };
        return claim is null
            ? Decision.Accept(resolved)
            : Decision.Accept(resolved, new ConversationReleased { App = claim.App, Reason = "resolved" });
    }

    /// <summary>The resolution event with the response times reports are made of, counted from the start of the
    /// episode being resolved (<paramref name="episodeOpenedAt"/>).</summary>
    public static ConversationResolved Resolution(
        DateTimeOffset episodeOpenedAt,
        DateTimeOffset? acknowledgedAt,
        Guid channelId,
        string channelType,
        string? reason,
        DateTimeOffset now
    ) =>
        new()
        {
            Reason = reason,
            ResolvedAt = now,
            TimeToResolveSeconds = Seconds(episodeOpenedAt, now),
            TimeToAcknowledgeSeconds = acknowledgedAt is { } at ? Seconds(episodeOpenedAt, at) : null,
            ChannelId = channelId,
            ChannelType = channelType,
        };

    public static Decision Claim(ConversationState s, EventActor actor, TimeSpan ttl, DateTimeOffset now)
    {
        if (s.IsResolved)
        {
            return Decision.Refuse(
                ProblemCodes.ConversationResolved,
                "A resolved conversation cannot be claimed; reopen it first."
            );
        }

        var claim = s.ActiveClaim(now);
        return claim is not null && claim.KeyId != actor.KeyId
            ? ClaimedByOther(claim)
            : Decision.Accept(
                new ConversationClaimed
                {
                    App = actor.Name ?? "app",
                    Person = actor.Person,
                    ExpiresAt = now + ttl,
                    Renewed = claim is not null,
                }
            );
    }

    public static Decision Release(ConversationState s, EventActor actor, DateTimeOffset now) =>
        s.ActiveClaim(now) switch
        {
            null => Decision.Refuse(ProblemCodes.NotClaimed, "Nobody holds a claim on this conversation."),
            { } claim when claim.KeyId != actor.KeyId => ClaimedByOther(claim),
            { } claim => Decision.Accept(new ConversationReleased { App = claim.App, Reason = "released" }),
        };

    /// <summary>
    /// Answer the customer, on the conversation's channel or on another one (a hand-off), if the customer can be
    /// reached there and no other app holds the claim. A first reply also acknowledges the conversation.
    /// </summary>
    public static Decision Reply(
        ConversationState s,
        ReplyTarget? target,
        EventActor actor,
        ReplyDraft draft,
        DateTimeOffset now
    )
    {
        // A survey goes out after resolution, and only then; every other reply needs the conversation open.
        if (s.IsResolved && draft.Survey is null)
        {
            return Decision.Refuse(ProblemCodes.ConversationResolved, "The conversation is resolved; reopen it first.");
        }

        if (!s.IsResolved && draft.Survey is not null)
        {
            return Decision.Refuse(
                ProblemCodes.NotResolved,
                "The conversation is open again: a feedback survey waits for the next resolution."
            );
        }

        if (target is null)
        {
            return Decision.Refuse(
                ProblemCodes.UnknownChannel,
                "There is no such channel account in this workspace that this key may use."
            );
        }

        var claim = s.ActiveClaim(now);
        var othersClaim = claim is not null && claim.KeyId != actor.KeyId;
        if (othersClaim && !draft.Force)
        {
            return ClaimedByOther(claim!);
        }

        if (target.Recipient is null)
        {
            return Decision.Refuse(
                ProblemCodes.CustomerUnreachable,
                $"The customer has no {target.ChannelType} identity, so this channel cannot reach them. Link one "
                    + "to the customer first."
            );
        }

        var visibility = draft.Visibility ?? target.DefaultVisibility;
        if (visibility == "public" && Channels.ChannelTypes.PrivateOnly.Contains(target.ChannelType))
        {
            return Decision.Refuse(
                ProblemCodes.VisibilityNotSupported,
                $"{target.ChannelType} has only private messages; send the reply as private."
            );
        }

        var (tag, closed) = MessagingWindows.Check(target, visibility, draft, now);
        if (closed is not null)
        {
            return new Decision([], closed);
        }

        var events = new List<HubEvent>(3);
        var handoff = target.ChannelId != s.CurrentChannelId;
        if (handoff)
        {
            events.Add(
                new ConversationChannelChanged
                {
                    FromChannelId = s.CurrentChannelId,
                    FromChannelType = s.CurrentChannelType,
                    ToChannelId = target.ChannelId,
                    ToChannelType = target.ChannelType,
                }
            );
        }

        events.Add(
            new ReplyRequested
            {
                ReplyId = Guid.CreateVersion7(),
                ChannelId = target.ChannelId,
                ChannelType = target.ChannelType,
                Recipient = target.Recipient,
                Text = draft.Text,
                Attachments = draft.Attachments,
                Visibility = visibility,
                Handoff = handoff,
                Forced = othersClaim,
                Template = draft.Template,
                InReplyTo = visibility == "public" ? target.LatestPublicPost : null,
                MessageTag = tag,
                Survey = draft.Survey,
            }
        );
        if (s.AcknowledgedAt is null && draft.Survey is null)
        {
            events.Add(
                new ConversationAcknowledged
                {
                    AcknowledgedAt = now,
                    TimeToAcknowledgeSeconds = Seconds(s.EpisodeOpenedAt, now),
                }
            );
        }

        return new Decision(events);
    }

    /// <summary>
    /// A reply's progress on the platform. Statuses only move forward (requested → sent → delivered → read; failed ends
    /// a reply not yet delivered): late or repeated reports are accepted and change nothing.
    /// </summary>
    public static Decision ReplyStatus(
        ReplyState reply,
        string status,
        string? platformMessageId,
        PlatformError? error,
        DateTimeOffset occurredAt
    )
    {
        var current = ReplyStatuses.Rank(reply.Status);
        var next = ReplyStatuses.Rank(status);
        var moves =
            status == ReplyStatuses.Failed
                ? current < ReplyStatuses.Rank(ReplyStatuses.Delivered)
                : current < next && reply.Status != ReplyStatuses.Failed;
        if (!moves)
        {
            return Decision.Unchanged;
        }

        var messageId = platformMessageId ?? reply.PlatformMessageId;
        HubEvent progress = status switch
        {
            ReplyStatuses.Sent => new ReplySent
            {
                ReplyId = reply.Id,
                ChannelId = reply.ChannelId,
                PlatformMessageId = messageId,
                OccurredAt = occurredAt,
            },
            ReplyStatuses.Delivered => new ReplyDelivered
            {
                ReplyId = reply.Id,
                ChannelId = reply.ChannelId,
                PlatformMessageId = messageId,
                OccurredAt = occurredAt,
            },
            ReplyStatuses.Read => new ReplyRead
            {
                ReplyId = reply.Id,
                ChannelId = reply.ChannelId,
                PlatformMessageId = messageId,
                OccurredAt = occurredAt,
            },
            _ => new ReplyFailed
            {
                ReplyId = reply.Id,
                ChannelId = reply.ChannelId,
                PlatformMessageId = messageId,
                OccurredAt = occurredAt,
                Error = error ?? new PlatformError("unknown", "The connector reported a failure without details."),
            },
        };
        return Decision.Accept(progress);
    }

    private static Decision ClaimedByOther(Claim claim) =>
        Decision.Refuse(
            ProblemCodes.ClaimedByOther,
            $"'{claim.App}'{(claim.Person is null ? string.Empty : $" ({claim.Person})")} "
                + $"holds this conversation until {claim.ExpiresAt:O}. "
                + "Wait for its release or expiry, or send \"force\": true (recorded)."
        );

    /// <summary>A customer's answer to a survey, about the conversation's current episode; a channel account it names
    /// is one of the workspace's (<paramref name="channelKnown"/>).</summary>
    public static Decision Feedback(
        ConversationState s,
        FeedbackRequest request,
        bool channelKnown,
        DateTimeOffset now
    ) =>
        request.ChannelId is not null && !channelKnown
            ? Decision.Refuse(
                ProblemCodes.UnknownChannel,
                "There is no such channel account in this workspace that this key may use."
            )
            : Decision.Accept(
                new ConversationFeedbackReceived
                {
                    FeedbackId = Guid.CreateVersion7(),
                    Kind = request.Kind,
                    Score = request.Score!.Value,
                    Comment = Clean(request.Comment),
                    ChannelId = request.ChannelId,
                    RespondedAt = request.RespondedAt ?? now,
                    Episode = s.Episode,
                }
            );

    public static Decision Reopen(ConversationState s) =>
        s.IsResolved
            ? Decision.Accept(
                new ConversationReopened
                {
                    ChannelId = s.CurrentChannelId,
                    ChannelType = s.CurrentChannelType,
                    PreviouslyResolvedAt = s.ResolvedAt,
                    Reason = "app",
                }
            )
            : Decision.Refuse(
                ProblemCodes.NotResolved,
                "The conversation is open; only a resolved conversation can be reopened."
            );

    /// <summary>Tags compare case-insensitively and without stray spaces: " VIP  customer " is
    /// "vip-customer".</summary>
    public static string NormaliseTag(string tag) => Spaces().Replace(tag.Trim().ToLowerInvariant(), "-");

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static double Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Round((to - from).TotalSeconds, 3);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
