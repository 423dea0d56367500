using System.Net;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure;

/// <summary>Every error the host can produce is an RFC 9457 problem with a stable code.</summary>
public sealed class Problem_responses : HubFixture
{
    private HttpClient _admin = null!;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Api:MaxRequestBodyBytes"] = "4096" };

    [OneTimeSetUp]
    public void CreateAdminClient() => _admin = Hub.AdminClient();

    [OneTimeTearDown]
    public void DisposeAdminClient() => _admin.Dispose();

    [Test]
    public async Task Unknown_route_is_a_404_problem()
    {
        var problem = await HubApi.ReadProblem(
            await _admin.GetAsync("/v1/no-such-thing"),
            HttpStatusCode.NotFound,
            "not-found"
        );
        Assert.That(problem["instance"]!.GetValue<string>(), Is.EqualTo("/v1/no-such-thing"));
    }

    [Test]
    public async Task Wrong_method_is_a_405_problem() =>
        await HubApi.ReadProblem(
            await _admin.PutAsync("/v1/workspaces", HubApi.Json("{}")),
            HttpStatusCode.MethodNotAllowed,
            "method-not-allowed"
        );

    [Test]
    public async Task Non_json_body_is_a_415_problem() =>
        await HubApi.ReadProblem(
            await _admin.PostAsync(
                "/v1/workspaces",
                new StringContent("name=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")
            ),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );

    [Test]
    public async Task Malformed_json_is_a_400_problem_that_says_where()
    {
        var problem = await HubApi.ReadProblem(
            await _admin.PostAsync("/v1/workspaces", HubApi.Json("{\"name\": ")),
            HttpStatusCode.BadRequest,
            "malformed-json"
        );
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("$.name"));
    }

    [Test]
    public async Task Missing_body_is_a_400_problem() =>
        await HubApi.ReadProblem(
            await _admin.PostAsync("/v1/workspaces", HubApi.Json(string.Empty)),
            HttpStatusCode.BadRequest,
            "bad-request"
        );

    [Test]
    public async Task Body_over_the_limit_is_a_413_problem_and_creates_nothing()
    {
        var name = "big-" + new string('x', 5000);
        await HubApi.ReadProblem(
            await _admin.PostAsync("/v1/workspaces", HubApi.Json($"{{\"name\": \"{name}\"}}")),
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
        var listed = await HubApi.ReadJson(await _admin.GetAsync("/v1/workspaces?limit=500"), HttpStatusCode.OK);
        Assert.That(
            listed["items"]!.AsArray().Select(w => w!["name"]!.GetValue<string>()),
            Has.None.StartsWith("big-")
        );
    }

    [Test]
    public async Task Chunked_body_over_the_limit_is_a_413_problem()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes($"{{\"name\": \"{new string('y', 10_000)}\"}}");
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/workspaces") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await HubApi.ReadProblem(
            await _admin.SendAsync(request),
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
    }

    [Test]
    public async Task Invalid_fields_are_a_400_problem_with_field_errors()
    {
        var problem = await HubApi.ReadProblem(
            await _admin.PostAsync("/v1/workspaces", HubApi.Json("{\"name\": \"\"}")),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.That(problem["errors"]!["name"]!.AsArray(), Is.Not.Empty);
    }
}
