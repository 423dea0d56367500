using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Engagements;

/// <summary>The batch's answer in the OpenAPI document shows one item of each outcome, which an example built from the
/// schema alone cannot (it would give every item both ids and a problem).</summary>
internal sealed class EngagementBatchExample : IOperationFilter
{
    private const string Answer = """
        {
          "results": [
            {
              "index": 0, "status": "accepted", "engagementId": "019ad8a2-5c1e-7c4b-9f0e-1a2b3c4d5e6f",
              "conversationId": "019ad8a2-5c1e-7d11-8a9b-0c1d2e3f4a5b", "customerId": "019ad8a2-5c1e-7e22-b3c4-d5e6f7a8b9c0",
              "problem": null
            },
            {
              "index": 1, "status": "duplicate", "engagementId": "019ad89f-0b7a-7f33-a1b2-c3d4e5f6a7b8",
              "conversationId": "019ad8a2-5c1e-7d11-8a9b-0c1d2e3f4a5b", "customerId": "019ad8a2-5c1e-7e22-b3c4-d5e6f7a8b9c0",
              "problem": null
            },
            {
              "index": 2, "status": "failed", "engagementId": null, "conversationId": null, "customerId": null,
              "problem": {
                "type": "urn:socialcare:problem:validation-failed", "title": "The request is not valid", "status": 400,
                "detail": "One or more fields failed validation; see errors.", "code": "validation-failed",
                "errors": { "occurredAt": ["'occurredAt' is in the future."] }
              }
            }
          ],
          "accepted": 1,
          "duplicates": 1,
          "failed": 1
        }
        """;

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (
            operation.OperationId == "IngestEngagementBatch"
            && operation.Responses?.TryGetValue("200", out var ok) == true
            && ok.Content?.TryGetValue("application/json", out var media) == true
        )
        {
            media.Example = JsonNode.Parse(Answer);
        }
    }
}
