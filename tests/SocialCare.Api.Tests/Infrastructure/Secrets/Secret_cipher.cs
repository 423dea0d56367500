using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Secrets;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Secrets;

public sealed class Secret_cipher
{
    private static SecretCipher Cipher(string active, params string[] keyIds)
    {
        var options = new SecretsOptions { ActiveKey = active };
        foreach (var id in keyIds)
        {
            options.Keys[id] =
                id == HubFactory.SecretsKeyId
                    ? HubFactory.SecretsKey
                    : Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)));
        }

        return new SecretCipher(Options.Create(options));
    }

    [Test]
    public void A_secret_is_stored_under_a_prefix_naming_its_key_and_decrypts_in_its_own_row_only()
    {
        var cipher = Cipher("test", "test");
        var first = cipher.Protect("whsec_abc", "subscriptions.secret/1");
        var second = cipher.Protect("whsec_abc", "subscriptions.secret/1");
        Assert.Multiple(() =>
        {
            Assert.That(first, Does.StartWith("enc:v1:test:").And.Not.Contain("whsec_abc"));
            Assert.That(second, Is.Not.EqualTo(first), "a fresh nonce each time");
            Assert.That(cipher.Unprotect(first, "subscriptions.secret/1"), Is.EqualTo("whsec_abc"));
            Assert.That(
                () => cipher.Unprotect(first, "subscriptions.secret/2"),
                Throws.InstanceOf<CryptographicException>(),
                "moved to another row"
            );
            Assert.That(
                () =>
                    cipher.Unprotect(
                        first.Replace("enc:v1:test:", "enc:v1:TEST:", StringComparison.Ordinal),
                        "subscriptions.secret/1"
                    ),
                Throws.InstanceOf<CryptographicException>(),
                "the prefix is authenticated too"
            );
        });
    }

    [Test]
    public void A_value_under_an_older_key_decrypts_while_that_key_is_configured_and_names_it_once_it_is_not()
    {
        var stored = Cipher("old", "old").Protect("EAAG-token", "channels.secrets/1");
        var rotated = Cipher("new", "old", "new");
        var reprotected = rotated.Reprotect(stored, "channels.secrets/1");
        Assert.Multiple(() =>
        {
            Assert.That(rotated.Unprotect(stored, "channels.secrets/1"), Is.EqualTo("EAAG-token"));
            Assert.That(reprotected, Does.StartWith("enc:v1:new:"));
            Assert.That(Cipher("new", "new").Unprotect(reprotected, "channels.secrets/1"), Is.EqualTo("EAAG-token"));
            Assert.That(
                () => Cipher("new", "new").Unprotect(stored, "channels.secrets/1"),
                Throws
                    .InstanceOf<CryptographicException>()
                    .With.Message.Contains("'old'")
                    .And.Message.Not.Contain("EAAG")
            );
        });
    }
}
