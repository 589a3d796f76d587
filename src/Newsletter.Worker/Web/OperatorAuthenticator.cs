using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Newsletter.Worker.Web;

/// <summary>
/// Decides what a request may do on the operator pages: loopback is trusted as admin; any other address needs the configured
/// user and password (HTTP Basic), and is admin only if listed in <see cref="DashboardOptions.AdminUsers"/>.
/// A request carrying proxy headers (Forwarded, X-Forwarded-For) is never treated as loopback, because behind a reverse proxy
/// on the same machine every visitor would otherwise look local.
/// </summary>
public sealed partial class OperatorAuthenticator(IOptionsMonitor<DashboardOptions> options, ILogger<OperatorAuthenticator> logger)
{
    public const string Realm = "Newsletter operators";

    public OperatorAccess Evaluate(HttpContext context)
    {
        if (IsLoopback(context))
        {
            return OperatorAccess.Admin;
        }

        var settings = options.CurrentValue;
        if (string.IsNullOrEmpty(settings.User) || string.IsNullOrEmpty(settings.Password))
        {
            return OperatorAccess.None;
        }
        if (!TryReadBasic(context.Request.Headers.Authorization.ToString(), out var user, out var password))
        {
            return OperatorAccess.None;
        }
        // Compare digests so the time taken says nothing about how much of either value matched.
        var userOk = CryptographicOperations.FixedTimeEquals(Digest(user), Digest(settings.User));
        var passwordOk = CryptographicOperations.FixedTimeEquals(Digest(password), Digest(settings.Password));
        if (!(userOk & passwordOk))
        {
            LogRejected(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return OperatorAccess.None;
        }
        return settings.AdminUsers.Contains(user, StringComparer.Ordinal) ? OperatorAccess.Admin : OperatorAccess.ReadOnly;
    }

    /// <summary>Asks the browser for credentials.</summary>
    public static void Challenge(HttpResponse response)
    {
        response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
    }

    public static bool IsLoopback(HttpContext context)
    {
        if (context.Request.Headers.ContainsKey("Forwarded") || context.Request.Headers.ContainsKey("X-Forwarded-For"))
        {
            return false;
        }
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }
        return IPAddress.IsLoopback(remote);
    }

    private static bool TryReadBasic(string header, out string user, out string password)
    {
        user = password = "";
        if (!AuthenticationHeaderValue.TryParse(header, out var value) ||
            !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || value.Parameter is null)
        {
            return false;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon < 0)
        {
            return false;
        }
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Operator login refused from {RemoteAddress}: wrong user or password")]
    private partial void LogRejected(string remoteAddress);
}
