using SocialCare.Chaos;

// The chaos run (./infra/dev.sh chaos): two hubs behind HAProxy on one PostgreSQL and one RabbitMQ, three webhook
// subscribers and a plain AMQP consumer, engagements at a steady rate while the relay leader is killed, the broker
// stopped, the database restarted and a subscriber taken away; then what was accepted, stored, published and delivered,
// and what was lost — which must be nothing.
// `soak` instead: one hub under a steady load for minutes, its memory sampled (SoakRun).
if (args is ["soak", ..])
{
    return await SoakRun.RunAsync(args);
}

var options = ChaosOptions.Parse(args);
await using var run = new ChaosRun(options);
return await run.RunAsync();
