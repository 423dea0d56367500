using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Tests.Infrastructure.Secrets;

/// <summary>Keys, tokens and signatures compare byte for byte in UTF-8, as digests of one length whatever their
/// own.</summary>
public sealed class Secret_comparison
{
    [TestCase("sch_admin_0123456789abcdefghijklmnop", "sch_admin_0123456789abcdefghijklmnop", true)]
    [TestCase("sch_admin_0123456789abcdefghijklmnop", "sch_admin_0123456789abcdefghijklmno", false)]
    [TestCase("sch_admin_0123456789abcdefghijklmnop", "sch_admin_0123456789abcdefghijklmnopq", false)]
    [TestCase("vérifier", "v?rifier", false)]
    [TestCase("تحقق", "????", false)]
    [TestCase("تحقق", "تحقق", true)]
    [TestCase("token", "token ", false)]
    [TestCase("token", null, false)]
    public void Only_the_same_bytes_are_equal(string expected, string? received, bool equal) =>
        Assert.That(SecretComparison.AreEqual(expected, received), Is.EqualTo(equal));
}
