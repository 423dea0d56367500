using System.Text;
using SocialCare.Api.Channels.Hooks;

namespace SocialCare.Api.Tests.Channels.Hooks;

public sealed class Connector_signatures
{
    [Test]
    public void Meta_signature_matches_the_documented_vector() =>
        Assert.That(
            HookSignatures.Meta("secret", "test"u8),
            Is.EqualTo("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914")
        );

    [Test]
    public void X_crc_response_matches_the_vector_computed_with_openssl() =>
        Assert.That(
            HookSignatures.X(
                "x-consumer-secret-for-tests",
                Encoding.UTF8.GetBytes("9b4507b3-9040-4669-9ca3-6b94edb50553")
            ),
            Is.EqualTo("sha256=7eclTqMj3f/wGkqVXamkr7G2EvNrdrI8vReSpquP4to=")
        );

    [Test]
    public void Comparison_refuses_a_missing_or_different_signature()
    {
        var expected = HookSignatures.Meta("secret", "test"u8);
        Assert.Multiple(() =>
        {
            Assert.That(HookSignatures.Matches(expected, expected), Is.True);
            Assert.That(HookSignatures.Matches(expected, null), Is.False);
            Assert.That(HookSignatures.Matches(expected, expected[..^1] + "1"), Is.False);
            Assert.That(HookSignatures.Matches(expected, "sha256="), Is.False);
        });
    }
}
