using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Newsletter.Core.Lists;
using Newsletter.Hosting;

namespace Newsletter.Delivery.Unsubscribe;

/// <summary>
/// Creates and checks unsubscribe tokens:
/// <c>base64url(list + "\n" + the address's <see cref="EmailKey"/>) + "." + base64url(first 16 bytes of HMAC-SHA256(key, payload))</c>.
/// The token is not encrypted: anyone holding it can read the list and address, which is fine because
/// it is only ever sent to that address. Thread-safe.
/// </summary>
public sealed partial class UnsubscribeTokens
{
    private const int MacLength = 16;
    private const int MaxTokenLength = 4096;
    private const int GeneratedKeyLength = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _key;

    /// <summary>Uses <paramref name="key"/> as the HMAC key (copied).</summary>
    /// <exception cref="ArgumentException">The key is shorter than 16 bytes.</exception>
    public UnsubscribeTokens(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
            throw new ArgumentException("An unsubscribe key must be at least 16 bytes.", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>
    /// Builds the token service from options: the configured <see cref="UnsubscribeOptions.SecretKey"/>, or else
    /// the key in <see cref="UnsubscribeOptions.KeyFile"/>, generating and saving that file (mode 600 on Unix) the first time.
    /// Logs one warning when the fallback key is used.
    /// </summary>
    /// <param name="contentRoot">Base directory for a relative <see cref="UnsubscribeOptions.KeyFile"/>.</param>
    /// <exception cref="InvalidOperationException">The key file exists but does not hold a usable key, or cannot be written.</exception>
    public static UnsubscribeTokens FromOptions(UnsubscribeOptions options, string contentRoot, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;

        if (!string.IsNullOrEmpty(options.SecretKey))
            return new UnsubscribeTokens(Encoding.UTF8.GetBytes(options.SecretKey));

        var path = Path.GetFullPath(options.KeyFile, contentRoot);
        var key = ReadOrCreateKeyFile(path);
        LogFallbackKey(logger, path);
        return new UnsubscribeTokens(key);
    }

    /// <summary>
    /// A key for another signature, derived from this one (HMAC-SHA256 of <paramref name="purpose"/>): every machine that shares the
    /// unsubscribe secret signs and checks the same way, with nothing more to configure, and no signature of one kind is valid as another.
    /// </summary>
    public byte[] DeriveKey(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("newsletter:" + purpose));
    }

    /// <summary>Creates the token for one subscriber of one list. It carries the address's <see cref="EmailKey"/>, the form every store lookup matches on.</summary>
    /// <exception cref="ArgumentException">The list name contains a line break, or either value is empty.</exception>
    public string Create(string listName, string email)
    {
        ArgumentException.ThrowIfNullOrEmpty(listName);
        ArgumentException.ThrowIfNullOrEmpty(email);
        if (listName.Contains('\n'))
            throw new ArgumentException("A list name cannot contain a line break.", nameof(listName));

        return Sign(purpose: "", listName + "\n" + EmailKey.Of(email).Value);
    }

    /// <summary>Checks a token and, when its MAC is valid, returns the list name and the email in it (a key; tokens sent before keys existed hold the address lower-cased by .NET, which has the same key).</summary>
    /// <returns><c>false</c> for anything malformed, truncated, tampered with or signed with another key. Never throws.</returns>
    public bool TryRead(string? token, out string listName, out string email)
    {
        listName = "";
        email = "";
        if (!TryVerify(purpose: "", token, out var text))
            return false;

        var newline = text.IndexOf('\n');
        if (newline <= 0 || newline == text.Length - 1 || newline != text.LastIndexOf('\n'))
            return false;

        listName = text[..newline];
        email = text[(newline + 1)..];
        return true;
    }

    /// <summary>
    /// Signs <paramref name="payload"/> with this key for one <paramref name="purpose"/>: the purpose is prefixed to what the MAC
    /// covers (and is not in the token), so a token made for one purpose never verifies for another. Unsubscribe tokens use the
    /// empty purpose, which keeps every link already sent valid.
    /// </summary>
    internal string Sign(string purpose, string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, MacInput(purpose, bytes), mac);
        return Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(mac[..MacLength]);
    }

    /// <summary>Checks a token made by <see cref="Sign"/> for <paramref name="purpose"/> and returns its payload. Never throws.</summary>
    internal bool TryVerify(string purpose, string? token, out string payload)
    {
        payload = "";
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
            return false;

        var dot = token.IndexOf('.');
        if (dot <= 0 || dot != token.LastIndexOf('.') || dot == token.Length - 1)
            return false;

        byte[] bytes;
        byte[] mac;
        try
        {
            bytes = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (mac.Length != MacLength)
            return false;

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, MacInput(purpose, bytes), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..MacLength], mac))
            return false;

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        payload = text;
        return true;
    }

    private static byte[] MacInput(string purpose, byte[] payload) =>
        purpose.Length == 0 ? payload : [.. Encoding.UTF8.GetBytes(purpose + "\0"), .. payload];

    private static byte[] ReadOrCreateKeyFile(string path)
    {
        if (File.Exists(path))
            return ReadKeyFile(path);

        var directory = Path.GetDirectoryName(path)!;
        PrivateFiles.CreateDirectory(directory);

        var key = RandomNumberGenerator.GetBytes(GeneratedKeyLength);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

            using (var stream = new FileStream(temp, fileOptions))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.WriteLine(Convert.ToBase64String(key));
            }

            // No overwrite: if another process created the file meanwhile, its key wins so every process agrees.
            File.Move(temp, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return ReadKeyFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Could not create the unsubscribe key file '{path}': {e.Message}. Set Newsletter__Unsubscribe__SecretKey, or point {UnsubscribeOptions.SectionName}:KeyFile at a writable path.", e);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private static byte[] ReadKeyFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Could not read the unsubscribe key file '{path}': {e.Message}.", e);
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            key = [];
        }

        if (key.Length < 16)
        {
            throw new InvalidOperationException(
                $"The unsubscribe key file '{path}' does not hold a base64 key of at least 16 bytes. Delete it to have a new one generated (this invalidates unsubscribe links already sent), or set Newsletter__Unsubscribe__SecretKey.");
        }

        return key;
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning,
        Message = "Newsletter:Unsubscribe:SecretKey is not set; unsubscribe links are signed with the generated key in {KeyFile}. Keep that file (losing it breaks links already sent) or set the environment variable Newsletter__Unsubscribe__SecretKey to a random value, e.g. `openssl rand -base64 32`.")]
    private static partial void LogFallbackKey(ILogger logger, string keyFile);
}
