using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>What departments add to a conversation that holds the customer's personal data, each with a marker: an
/// agent's reply, a note, and a context value marked personal (beside one that is not, <c>segment: gold</c>).</summary>
internal static class MarkedActions
{
    public static async Task ActAsync(HttpClient client, Guid conversation, string marker)
    {
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                $"/v1/conversations/{conversation}/replies",
                new { text = $"We will call you about {marker}" }
            ),
            HttpStatusCode.Accepted
        );
        await HubApi.ReadJson(
            await client.PostAsJsonAsync($"/v1/conversations/{conversation}/notes", new { text = $"VIP {marker}" }),
            HttpStatusCode.OK
        );
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                $"/v1/conversations/{conversation}/context",
                new { values = new { segment = "gold" }, personalValues = new { iban = marker } }
            ),
            HttpStatusCode.OK
        );
    }
}
