using System.ComponentModel.DataAnnotations;

namespace Newsletter.Worker.Hosting;

/// <summary>The Hangfire job server (config section <c>Newsletter:Jobs</c>).</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Newsletter:Jobs";

    /// <summary>The Hangfire SQLite file; relative paths are resolved against the current directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string StoragePath { get; set; } = "data/hangfire.db";

    /// <summary>Batch jobs run at once in one process; each holds one SMTP connection.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>
    /// How often idle workers look for queued jobs. Hangfire's 15 s default makes a send wait up to 15 s to start.
    /// </summary>
    [Range(0.1, 60)]
    public double PollIntervalSeconds { get; set; } = 1;
}
