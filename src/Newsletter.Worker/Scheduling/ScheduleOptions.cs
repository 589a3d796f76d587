using System.ComponentModel.DataAnnotations;

namespace Newsletter.Worker.Scheduling;

/// <summary>The weekly publish job that <c>newsletter run</c> keeps (config section <c>Newsletter:Schedule</c>).</summary>
public sealed class ScheduleOptions
{
    public const string SectionName = "Newsletter:Schedule";

    public bool Enabled { get; set; } = true;

    /// <summary>When to publish, as a cron expression; the default is Mondays at 07:00.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Cron { get; set; } = "0 7 * * 1";

    /// <summary>The IANA time zone the cron expression and "this week" are read in.</summary>
    [Required(AllowEmptyStrings = false)]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The lists each weekly issue goes to; empty means every configured list.</summary>
    public List<string> Lists { get; set; } = [];
}
