using System.ComponentModel.DataAnnotations;

namespace Newsletter.Web.Signups;

/// <summary>
/// The limits of every list's signup form (section <c>Newsletter:Signup</c>); whether a list has a form at all is the list's
/// own <c>Signup:Enabled</c>.
/// </summary>
public sealed class SignupOptions
{
    public const string SectionName = "Newsletter:Signup";

    /// <summary>How long a confirmation link works; the waiting signup is deleted after that.</summary>
    [Range(1, 24 * 14)]
    public int LinkValidHours { get; set; } = 48;

    /// <summary>Signup forms one client (IP address) may send per <see cref="ClientWindowMinutes"/>; the rest get "try again later".</summary>
    [Range(1, 10_000)]
    public int ClientLimit { get; set; } = 5;

    [Range(1, 24 * 60)]
    public int ClientWindowMinutes { get; set; } = 10;

    /// <summary>At most one confirmation mail per address and list in this time, however often the form names it.</summary>
    public static readonly TimeSpan MailInterval = TimeSpan.FromHours(24);

    /// <summary>The largest signup form accepted: an address, a name and a few short fields.</summary>
    public const int MaxRequestBytes = 4096;

    /// <summary>The longest name accepted.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The longest address accepted (RFC 5321's path limit).</summary>
    public const int MaxEmailLength = 254;
}
