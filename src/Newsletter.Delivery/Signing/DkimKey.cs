using System.Security.Cryptography;

namespace Newsletter.Delivery.Signing;

/// <summary>Reads the DKIM private key file once, with errors that name the key, the file and the fix.</summary>
internal static class DkimKey
{
    /// <summary>RFC 8301: verifiers must reject RSA keys below 1024 bits.</summary>
    public const int MinimumBits = 1024;

    /// <summary>The absolute path of <see cref="DkimOptions.PrivateKeyPath"/>.</summary>
    public static string ResolvePath(DkimOptions options, string contentRoot) =>
        Path.GetFullPath(options.PrivateKeyPath ?? "", contentRoot);

    /// <summary>Loads the PEM file as an RSA key.</summary>
    /// <param name="pem">The file's text, kept so that each thread can import its own copy.</param>
    /// <param name="error">What is wrong and how to fix it, when false.</param>
    public static bool TryLoad(string path, out RSA? key, out string pem, out string error)
    {
        key = null;
        pem = "";
        const string Key = DkimOptions.SectionName + ":PrivateKeyPath";
        if (!File.Exists(path))
        {
            error = $"{Key}: the DKIM private key file '{path}' does not exist. Create one with " +
                    "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem`, or set Newsletter__Dkim__PrivateKeyPath to the right file, " +
                    "or set Newsletter:Dkim:Enabled to false.";
            return false;
        }

        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{Key}: cannot read the DKIM private key file '{path}': {e.Message} Give the newsletter's user read access to it.";
            return false;
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            // A public key imports too; signing would then fail on the first message, so test it here.
            rsa.SignData([0], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            error = $"{Key}: '{path}' is not a readable RSA private key in PEM form ({e.Message}). It must contain " +
                    "-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY----- (unencrypted); the public key goes in DNS, not here.";
            return false;
        }

        if (rsa.KeySize < MinimumBits)
        {
            error = $"{Key}: the RSA key in '{path}' has {rsa.KeySize} bits; receivers reject DKIM keys under {MinimumBits} bits. Generate a 2048-bit key.";
            rsa.Dispose();
            return false;
        }

        key = rsa;
        error = "";
        return true;
    }
}
