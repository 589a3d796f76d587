using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Newsletter.Web;

/// <summary>
/// Decides what a request may do on the operator pages: loopback is trusted as admin; any other address needs the configured
/// user and password (HTTP Basic), and is admin only if listed in <see cref="DashboardOptions.AdminUsers"/>.
/// Loopback means a loopback peer, a loopback Host and no proxy header (see <see cref="IsLoopback"/>): behind a reverse proxy
/// on the same machine every visitor would otherwise look local, and a DNS-rebinding page would too.
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

    /// <summary>
    /// Whether the request may be trusted as the machine's own operator: it came over a loopback connection, was addressed
    /// to a loopback name (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>, any port), and carries no proxy header.
    /// The Host check defeats DNS rebinding: a web page on attacker.example whose name is re-pointed at 127.0.0.1 reaches
    /// this port from the operator's own browser, but its requests still say <c>Host: attacker.example</c>.
    /// A proxy header means someone else's request is being relayed, whatever address it arrives from.
    /// </summary>
    public static bool IsLoopback(HttpContext context)
    {
        if (CarriesProxyHeader(context.Request.Headers) || !IsLoopbackHost(context.Request.Host))
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

    /// <summary>
    /// Headers that reverse proxies and load balancers add to say whom they relay (RFC 7239 <c>Forwarded</c>, <c>Via</c>, the
    /// <c>X-Forwarded-*</c> family, <c>X-Real-IP</c> and the vendor client-address headers). Matched by family, not by a
    /// closed list, so a proxy using a variant still withdraws loopback trust.
    /// </summary>
    private static bool CarriesProxyHeader(IHeaderDictionary headers)
    {
        foreach (var name in headers.Keys)
        {
            if (name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase) || name.Equals("Via", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase) || name.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("X-Real-", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Client-IP", StringComparison.OrdinalIgnoreCase) ||
                name.EndsWith("Connecting-IP", StringComparison.OrdinalIgnoreCase) || name.Equals("X-ProxyUser-Ip", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary><c>localhost</c> or a loopback IP literal; a missing Host, or any other name (even one that resolves to 127.0.0.1), is not.</summary>
    private static bool IsLoopbackHost(HostString host)
    {
        if (!host.HasValue) return false;
        var name = host.Host;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (name.StartsWith('[') && name.EndsWith(']')) name = name[1..^1];
        // Only literal addresses: IPAddress.TryParse also accepts forms like "127.1" and "2130706433", which are loopback too.
        return IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
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
