using Newsletter.Core.Errors;

namespace Newsletter.Core.Composition;

/// <summary>Thrown when a week has no unused story to build an issue from. Nothing is stored.</summary>
public sealed class EmptyWeekException(DateOnly weekStarting, DateOnly weekEnding, string detail)
    : NewsletterException($"No issue for the week {weekStarting:yyyy-MM-dd} to {weekEnding:yyyy-MM-dd}: {detail} " +
                "Add stories dated in that week (newsletter stories import stories/ or newsletter stories add), " +
                "or pick another week with --date YYYY-MM-DD (the last day of the week).")
{
    public DateOnly WeekEnding { get; } = weekEnding;
}
