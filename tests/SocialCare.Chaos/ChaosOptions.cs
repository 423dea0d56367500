using System.Globalization;

namespace SocialCare.Chaos;

/// <summary>
/// What the chaos run does (arguments) and where its servers are (the environment <c>./infra/dev.sh chaos</c> sets:
/// a PostgreSQL and a RabbitMQ of its own, on ports of their own, which it may restart and stop). With
/// <c>--cluster</c> the broker is a three-node cluster (<c>SOCIALCARE_CHAOS_RABBIT_NODES</c>), the hub's queues are
/// quorum queues and the broker fault is one node killed.
/// </summary>
internal sealed record ChaosOptions(
    int Engagements,
    double Rate,
    TimeSpan BrokerDown,
    TimeSpan SubscriberDown,
    TimeSpan Gap,
    TimeSpan Drain,
    string Postgres,
    IReadOnlyList<RabbitMQ.Client.AmqpTcpEndpoint> RabbitNodes,
    bool Cluster,
    string RabbitVirtualHost,
    string DevScript
)
{
    public static ChaosOptions Parse(string[] args)
    {
        var engagements = 100_000;
        double? rate = null;
        var isShort = false;
        var cluster = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--engagements":
                    engagements = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--rate":
                    rate = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--short":
                    isShort = true;
                    break;
                case "--cluster":
                    cluster = true;
                    break;
                default:
                    throw new ArgumentException(
                        $"unknown argument {args[i]}; usage: chaos [--engagements N] [--rate R] [--short] [--cluster]"
                    );
            }
        }

        string Env(string name) =>
            Environment.GetEnvironmentVariable(name)
            ?? throw new InvalidOperationException($"{name} is not set: run the chaos run with ./infra/dev.sh chaos");
        // The full run: a minute without the broker and two without a subscriber, at a rate that keeps the load going
        // through every fault; the short one (the test suite's) compresses the outages.
        var brokerDown = TimeSpan.FromSeconds(isShort ? 6 : 60);
        var subscriberDown = TimeSpan.FromSeconds(isShort ? 8 : 120);
        var gap = TimeSpan.FromSeconds(isShort ? 2 : 15);
        // The faults take about twice their nominal time (restarting a hub, a database, a broker): the load is spread over
        // that, so that it goes on through all of them.
        var faults = 2 * (4 * gap + brokerDown + subscriberDown + TimeSpan.FromSeconds(10));
        return new ChaosOptions(
            engagements,
            rate ?? Math.Max(1, engagements / faults.TotalSeconds),
            brokerDown,
            subscriberDown,
            gap,
            TimeSpan.FromMinutes(isShort ? 2 : 5),
            Env("ConnectionStrings__Postgres"),
            cluster
                ?
                [
                    .. Env("SOCIALCARE_CHAOS_RABBIT_NODES")
                        .Split(',')
                        .Select(node => node.Split(':'))
                        .Select(node => new RabbitMQ.Client.AmqpTcpEndpoint(
                            node[0],
                            int.Parse(node[1], CultureInfo.InvariantCulture)
                        )),
                ]
                :
                [
                    new RabbitMQ.Client.AmqpTcpEndpoint(
                        Env("RabbitMq__Host"),
                        int.Parse(Env("RabbitMq__Port"), CultureInfo.InvariantCulture)
                    ),
                ],
            cluster,
            Env("RabbitMq__VirtualHost"),
            Env("SOCIALCARE_DEV_SCRIPT")
        );
    }
}
