using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// Every logger of the process, ours and the framework's (ASP.NET Core logs each request's URL, Hangfire its job
/// arguments), writes through this factory, which takes unsubscribe tokens out of messages, structured values and scopes
/// before any provider sees them. A token lets anyone unsubscribe (and resubscribe) its owner and names their address, so
/// it must not survive in a log, whatever log levels the configuration asks for: an operator turning on request logging,
/// or a broken appsettings.json reload that drops the <c>Logging</c> section, must not put tokens in the log.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => state switch
        {
            IEnumerable<KeyValuePair<string, object?>> pairs => inner.BeginScope(new RedactedState(TokenRedaction.Redact(pairs), TokenRedaction.Redact(state.ToString() ?? ""))),
            _ => TokenRedaction.Redact(state.ToString() ?? "") is var text && text != state.ToString() ? inner.BeginScope(text) : inner.BeginScope(state),
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = TokenRedaction.Redact(formatter(state, exception));
            IReadOnlyList<KeyValuePair<string, object?>> pairs = state is IEnumerable<KeyValuePair<string, object?>> values ? TokenRedaction.Redact(values) : [];
            inner.Log(logLevel, eventId, new RedactedState(pairs, message), exception, static (s, _) => s.Message);
        }
    }

    /// <summary>The state providers see: the redacted values, and the redacted message as its text.</summary>
    private sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>> pairs, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public KeyValuePair<string, object?> this[int index] => pairs[index];

        public int Count => pairs.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => pairs.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}

/// <summary>Finds unsubscribe tokens in text: after <c>/unsubscribe/</c> in a path or URL, or anywhere in the token's own shape.</summary>
public static partial class TokenRedaction
{
    public const string Replacement = "[token]";

    public static string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var redacted = UnsubscribePath().Replace(text, "${prefix}" + Replacement);
        return TokenShape().Replace(redacted, match => IsToken(match) ? Replacement : match.Value);
    }

    internal static IReadOnlyList<KeyValuePair<string, object?>> Redact(IEnumerable<KeyValuePair<string, object?>> pairs) =>
        pairs.Select(pair => pair.Key == "{OriginalFormat}" ? pair : KeyValuePair.Create(pair.Key, Redact(pair.Value))).ToList();

    // Non-string values (a PathString, a Uri, a job's argument list) are kept unless their text holds a token.
    private static object? Redact(object? value) => value switch
    {
        null => null,
        string text => Redact(text),
        _ when value.GetType().IsPrimitive || value is Enum or DateTime or DateTimeOffset or TimeSpan or Guid or decimal => value,
        _ => value.ToString() is { } text && Redact(text) is var clean && clean != text ? clean : value,
    };

    // The token is base64url(list + "\n" + address) "." base64url(16-byte MAC): only redact what decodes to that, so
    // Message-IDs and type names of the same shape stay readable.
    private static bool IsToken(Match match)
    {
        try
        {
            var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(match.Groups["payload"].ValueSpan));
            return payload.Contains('\n') && payload.Contains('@');
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"(?<prefix>unsubscribe/)[^/?#\s""'<>]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnsubscribePath();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])(?<payload>[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();
}
