using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// Every test hub checks, when disposed, that each status it answered is documented for its operation
/// (<see cref="StatusRecorder"/>); so the whole suite checks the document against what the hub really answers. This
/// shows the check finds an answer the document does not list, and passes one it does.
/// </summary>
public sealed class Documented_statuses
{
    [Test]
    public async Task An_answer_the_document_does_not_list_for_its_operation_is_reported()
    {
        var recorder = new StatusRecorder();
        await AnswerAsync(recorder, "GetChannel", StatusCodes.Status404NotFound);
        await AnswerAsync(recorder, "GetChannel", StatusCodes.Status418ImATeapot);
        await AnswerAsync(recorder, "not-an-operation-of-the-document", StatusCodes.Status418ImATeapot);

        Assert.That(recorder.Undocumented(), Is.EqualTo(new[] { "GetChannel answered 418 (e.g. GET /v1/channels/1)" }));
    }

    private static async Task AnswerAsync(StatusRecorder recorder, string operation, int status)
    {
        var app = new ApplicationBuilder(new ServiceCollection().BuildServiceProvider());
        recorder.Configure(builder =>
            builder.Run(context =>
            {
                context.SetEndpoint(
                    new Endpoint(null, new EndpointMetadataCollection(new EndpointNameMetadata(operation)), operation)
                );
                context.Response.StatusCode = status;
                return Task.CompletedTask;
            })
        )(app);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/v1/channels/1";
        await app.Build()(context);
    }
}
