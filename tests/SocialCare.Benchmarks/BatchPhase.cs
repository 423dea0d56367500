using System.Net.Http.Json;

namespace SocialCare.Benchmarks;

/// <summary>
/// <c>POST /v1/engagements/batch</c> under load: batches of new engagements, closed loop (the most it takes) or paced
/// (a steady rate of engagements, sent as whole batches). A batch counts as accepted only when every item was; rates
/// and counts are in engagements, latencies per request.
/// </summary>
internal static class BatchPhase
{
    public static async Task<PhaseResult> MaxAsync(
        HttpClient http,
        Guid channelId,
        int seconds,
        int clients,
        int size
    ) => InEngagements(await Bench.ClosedLoopAsync(seconds, clients, () => PostAsync(http, channelId, size)), size);

    public static async Task<PhaseResult> PacedAsync(
        HttpClient http,
        Guid channelId,
        int seconds,
        int rate,
        int size
    ) =>
        InEngagements(
            await Bench.OpenLoopAsync(seconds, Math.Max(1, rate / size), () => PostAsync(http, channelId, size)),
            size
        );

    private static PhaseResult InEngagements(PhaseResult requests, int size) =>
        requests with
        {
            Rate = requests.Rate * size,
            Accepted = requests.Accepted * size,
            Failed = requests.Failed * size,
        };

    private static Task<(bool Ok, double Ms)> PostAsync(HttpClient http, Guid channelId, int size)
    {
        var engagements = Enumerable.Range(0, size).Select(_ => Bench.NextEngagement(channelId)).ToArray();
        return Bench.TimeAsync(async () =>
        {
            var response = await http.PostAsJsonAsync("/v1/engagements/batch", new { engagements });
            // Every item new and accepted, or the batch counts as failed.
            var body = await response.Content.ReadAsStringAsync();
            if (
                response.IsSuccessStatusCode
                && !body.EndsWith($"\"accepted\":{size},\"duplicates\":0,\"failed\":0}}", StringComparison.Ordinal)
            )
            {
                response.StatusCode = System.Net.HttpStatusCode.UnprocessableEntity;
            }

            return response;
        });
    }
}
