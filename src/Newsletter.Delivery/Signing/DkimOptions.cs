namespace Newsletter.Delivery.Signing;

/// <summary>
/// DKIM signing of every message. Section <c>Newsletter:Dkim</c>. The private key lives in a PEM file outside
/// the config (set the path with <c>Newsletter__Dkim__PrivateKeyPath</c>); the public key is published as a DNS TXT
/// record at <c>{Selector}._domainkey.{Domain}</c>.
/// </summary>
public sealed class DkimOptions
{
    public const string SectionName = "Newsletter:Dkim";

    /// <summary>Sign messages. Off by default, because a signature that does not match a DNS record is worse than none.</summary>
    public bool Enabled { get; set; }

    /// <summary>The signing domain (<c>d=</c>), e.g. <c>example.com</c>. For DMARC alignment: the From domain or a parent of it.</summary>
    public string? Domain { get; set; }

    /// <summary>The selector (<c>s=</c>), e.g. <c>newsletter2026</c>: the key is looked up at <c>{Selector}._domainkey.{Domain}</c>.</summary>
    public string? Selector { get; set; }

    /// <summary>
    /// The RSA private key (2048 bits recommended), a PEM file with <c>BEGIN PRIVATE KEY</c> or <c>BEGIN RSA PRIVATE KEY</c>.
    /// A relative path is resolved against the folder holding appsettings.json.
    /// </summary>
    public string? PrivateKeyPath { get; set; }
}
