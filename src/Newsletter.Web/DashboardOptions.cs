namespace Newsletter.Web;

/// <summary>
/// Who may use the operator pages (/hangfire and /sends) from an address other than loopback. Section
/// <c>Newsletter:Web:Dashboard</c>. Without a password, they are reachable from loopback only.
/// </summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Newsletter:Web:Dashboard";

    /// <summary>The HTTP Basic user name for remote operators.</summary>
    public string? User { get; set; }

    /// <summary>Never in the file: set <c>Newsletter__Web__Dashboard__Password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Users with the Admin role: they may pause, resume and cancel sends and use the dashboard's buttons. Everyone else
    /// who logs in gets read-only pages. Requests from loopback are always admin.
    /// </summary>
    public List<string> AdminUsers { get; set; } = [];
}
