using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Newsletter.Delivery.Tls;

/// <summary>Reads a PEM file of CA certificates that a private relay's or mailbox's certificate is issued by.</summary>
public static class TrustedCaFile
{
    /// <summary>Loads every certificate in the PEM file.</summary>
    /// <param name="key">The setting that names the file, for the error, e.g. <c>Newsletter:Delivery:Smtp:TrustedCaFile</c>.</param>
    /// <param name="error">What is wrong, naming the key, the file and the fix, when false.</param>
    public static bool TryLoad(string key, string path, out X509Certificate2Collection certificates, out string error)
    {
        certificates = [];
        if (!File.Exists(path))
        {
            error = $"{key}: the CA certificate file '{path}' does not exist. Set it to the PEM file of the CA that issued your " +
                    "server's certificate (e.g. /etc/newsletter/relay-ca.pem), or remove the key to trust only this machine's CA store.";
            return false;
        }

        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{key}: cannot read the CA certificate file '{path}': {e.Message} Give the newsletter's user read access to it.";
            return false;
        }
        catch (CryptographicException e)
        {
            error = $"{key}: '{path}' is not a PEM certificate file ({e.Message}). It must hold one or more " +
                    "-----BEGIN CERTIFICATE----- blocks: the CA's certificate, not its key.";
            return false;
        }

        if (certificates.Count == 0)
        {
            error = $"{key}: '{path}' holds no -----BEGIN CERTIFICATE----- block. Put the CA's certificate (PEM) in it.";
            return false;
        }

        error = "";
        return true;
    }
}
