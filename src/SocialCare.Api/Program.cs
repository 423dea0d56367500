using SocialCare.Api.Authorization;
using SocialCare.Api.Channels;
using SocialCare.Api.Channels.Hooks;
using SocialCare.Api.Conversations;
using SocialCare.Api.Customers;
using SocialCare.Api.Engagements;
using SocialCare.Api.EventLog;
using SocialCare.Api.EventLog.Changefeed;
using SocialCare.Api.EventLog.DeadLetters;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Health;
using SocialCare.Api.Infrastructure.Messaging;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Telemetry;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Privacy;
using SocialCare.Api.Reports;
using SocialCare.Api.Webhooks;
using SocialCare.Api.Workflow.Brands;
using SocialCare.Api.Workflow.Rules;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Api.Workspaces;

var builder = WebApplication.CreateBuilder(args);

builder.AddTelemetry();
builder.Services.AddProblemHandling();
builder.Services.AddDatabase(builder.Configuration);
builder.Services.AddSecrets();
builder.Services.AddIdempotency();
builder.Services.AddHealth();
builder.Services.AddApiKeyAuthentication();
builder.Services.AddApiRateLimiting(builder.Configuration);
builder.Services.AddOpenApiDocs();
builder.Services.AddValidators();
builder.Services.AddWorkspaces();
builder.Services.AddChannels();
builder.Services.AddEngagements();
builder.Services.AddConversations();
builder.Services.AddCustomers();
builder.Services.AddSubscriptions();
builder.Services.AddBrands();
builder.Services.AddTeams();
builder.Services.AddSlaPolicies();
builder.Services.AddRules();
builder.Services.AddReports();
builder.Services.AddPrivacy();
builder.Services.AddEventLog();
builder.Services.AddDeadLetters();
builder.Services.AddConnectors();
builder.Services.AddMessaging();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

app.UseProblemHandling();
app.UseAuthentication();
app.UseRequestLog();
app.UseAuthorization();
app.UseReadRedaction();
app.UseRateLimiter();
app.UseStorableInput();

app.MapOpenApiDocs();
app.MapHealth(ApiPrincipal.AdminRole);
app.MapTelemetry();
app.MapHooks();
app.MapGroup("/v1")
    .MapWorkspaces()
    .MapChannels()
    .MapEngagements()
    .MapConversations()
    .MapConversationCommands()
    .MapReplies()
    .MapCustomers()
    .MapEvents()
    .MapSubscriptions()
    .MapBrands()
    .MapTeams()
    .MapSlaPolicies()
    .MapRules()
    .MapReports()
    .MapPrivacy()
    .MapDeadLetters()
    .MapSecrets();

await app.RunAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
