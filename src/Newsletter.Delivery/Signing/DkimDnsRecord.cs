namespace Newsletter.Delivery.Signing;

/// <summary>The DNS TXT record that publishes the public half of the DKIM key, computed from the private key file.</summary>
/// <param name="Name">Where to publish it: <c>{Selector}._domainkey.{Domain}</c>.</param>
/// <param name="Value">The record: <c>v=DKIM1; k=rsa; p=…</c> (the SubjectPublicKeyInfo in base64).</param>
/// <param name="KeyBits">The RSA key size.</param>
public sealed record DkimDnsRecord(string Name, string Value, int KeyBits)
{
    /// <summary>Reads the key of <paramref name="options"/> and computes its record.</summary>
    /// <param name="error">What is wrong with the key file and how to fix it, when false.</param>
    public static bool TryCreate(DkimOptions options, string contentRoot, out DkimDnsRecord? record, out string error)
    {
        ArgumentNullException.ThrowIfNull(options);
        record = null;
        if (string.IsNullOrWhiteSpace(options.Domain) || string.IsNullOrWhiteSpace(options.Selector) || string.IsNullOrWhiteSpace(options.PrivateKeyPath))
        {
            error = $"{DkimOptions.SectionName}:Domain, :Selector and :PrivateKeyPath must all be set to sign messages.";
            return false;
        }
        if (!DkimKey.TryLoad(DkimKey.ResolvePath(options, contentRoot), out var rsa, out _, out error))
        {
            return false;
        }
        using (rsa)
        {
            var publicKey = Convert.ToBase64String(rsa!.ExportSubjectPublicKeyInfo());
            record = new DkimDnsRecord($"{options.Selector.Trim()}._domainkey.{options.Domain.Trim().ToLowerInvariant()}",
                $"v=DKIM1; k=rsa; p={publicKey}", rsa.KeySize);
        }
        return true;
    }

    /// <summary>
    /// The value as DNS zone-file strings: one TXT string holds at most 255 characters, and a 2048-bit key's record is longer,
    /// so it is split into several quoted strings that resolvers join again.
    /// </summary>
    public string ZoneFileValue() =>
        string.Join(' ', Value.Chunk(255).Select(chunk => $"\"{new string(chunk)}\""));
}
