using System.Text.Json;
using SocialCare.Api.Channels.Meta;

namespace SocialCare.Api.Tests.Channels.Meta;

/// <summary>Platform payloads are read without throwing, whatever a field holds.</summary>
public sealed class Json_reading
{
    [TestCase("1614265330", 1614265330000L)]
    [TestCase("1614265330123", 1614265330123L)]
    [TestCase("\"1614265330\"", 1614265330000L)]
    public void Unix_times_in_seconds_or_milliseconds_are_read(string raw, long expectedMs) =>
        Assert.That(Element(raw).UnixTime("t")!.Value.ToUnixTimeMilliseconds(), Is.EqualTo(expectedMs));

    [TestCase("99999999999999999")]
    [TestCase("-5")]
    [TestCase("\"soon\"")]
    [TestCase("{}")]
    public void A_timestamp_no_date_can_hold_is_no_timestamp(string raw) =>
        Assert.That(Element(raw).UnixTime("t"), Is.Null);

    private static JsonElement Element(string raw) => JsonDocument.Parse($$"""{"t": {{raw}}}""").RootElement.Clone();
}
