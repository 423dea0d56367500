using System.Text;
using SocialCare.Api.Webhooks;
using SocialCare.Api.Webhooks.Sending;

namespace SocialCare.Api.Tests.Webhooks.Sending;

public sealed class Webhook_signing
{
    [Test]
    public void Standard_webhooks_spec_test_vector_passes() =>
        Assert.That(
            WebhookSigner.Sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                Encoding.UTF8.GetBytes("""{"test": 2432232314}""")
            ),
            Is.EqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );

    [Test]
    public void During_rotation_both_secrets_sign_and_after_the_overlap_only_the_new_one()
    {
        var now = DateTimeOffset.UtcNow;
        var (current, previous) = (WebhookSigner.NewSecret(), WebhookSigner.NewSecret());
        var subscription = new Subscription(
            Guid.NewGuid(),
            Guid.NewGuid(),
            "https://example.com",
            ["*"],
            new(null, null, null, null),
            null,
            true,
            current,
            previous,
            now.AddHours(1),
            null,
            now,
            now,
            null,
            "full"
        );
        var body = Encoding.UTF8.GetBytes("{}");
        var during = WebhookSigner
            .SignatureHeader(subscription.SigningSecrets(now), "evt_1", 1700000000, body)
            .Split(' ');
        var after = WebhookSigner
            .SignatureHeader(subscription.SigningSecrets(now.AddHours(2)), "evt_1", 1700000000, body)
            .Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(
                during,
                Is.EqualTo(
                    new[]
                    {
                        WebhookSigner.Sign(current, "evt_1", 1700000000, body),
                        WebhookSigner.Sign(previous, "evt_1", 1700000000, body),
                    }
                )
            );
            Assert.That(after, Is.EqualTo(new[] { WebhookSigner.Sign(current, "evt_1", 1700000000, body) }));
        });
    }

    [Test]
    public void New_secrets_have_the_prefix_and_a_key_the_spec_allows()
    {
        var secret = WebhookSigner.NewSecret();
        Assert.That(secret, Does.StartWith("whsec_"));
        Assert.That(Convert.FromBase64String(secret["whsec_".Length..]).Length, Is.InRange(24, 64));
    }
}
