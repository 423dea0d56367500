using SocialCare.Api.Engagements;

namespace SocialCare.Api.Tests.Engagements;

/// <summary>The pure threading rule, decided without a database.</summary>
public sealed class Threading_decisions
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);
    private static readonly Guid A = Guid.CreateVersion7(),
        B = Guid.CreateVersion7(),
        C = Guid.CreateVersion7();

    [Test]
    public void Open_thread_wins_over_the_customers_open_conversation() =>
        Assert.That(
            Threading.Decide(new(A, true, null), new(B, true, null), null, Now, Window),
            Is.EqualTo(new ThreadingDecision.Join(A))
        );

    [Test]
    public void Customers_open_conversation_is_joined_whatever_the_channel() =>
        Assert.That(
            Threading.Decide(null, new(B, true, null), new(C, false, Now.AddDays(-1)), Now, Window),
            Is.EqualTo(new ThreadingDecision.Join(B))
        );

    [Test]
    public void Resolved_within_the_window_reopens() =>
        Assert.That(
            Threading.Decide(null, null, new(C, false, Now.AddDays(-6)), Now, Window),
            Is.EqualTo(new ThreadingDecision.Reopen(C, Now.AddDays(-6)))
        );

    [Test]
    public void Resolved_exactly_at_the_edge_of_the_window_still_reopens() =>
        Assert.That(
            Threading.Decide(null, null, new(C, false, Now - Window), Now, Window),
            Is.TypeOf<ThreadingDecision.Reopen>()
        );

    [Test]
    public void Resolved_before_the_window_starts_a_new_conversation() =>
        Assert.That(
            Threading.Decide(null, null, new(C, false, Now.AddDays(-8)), Now, Window),
            Is.TypeOf<ThreadingDecision.Open>()
        );

    [Test]
    public void First_contact_starts_a_new_conversation() =>
        Assert.That(Threading.Decide(null, null, null, Now, Window), Is.TypeOf<ThreadingDecision.Open>());
}
