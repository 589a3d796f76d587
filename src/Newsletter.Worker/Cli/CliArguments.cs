using System.CommandLine;
using System.Globalization;

namespace Newsletter.Worker.Cli;

/// <summary>Arguments and options shared by several commands, with the parsing errors a user sees.</summary>
public static class CliArguments
{
    public static Option<DateOnly?> WeekEnding(string description) => new("--date")
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }
            result.AddError($"--date '{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-04-06.");
            return null;
        },
    };

    public static Argument<int> IssueNumber() => new("ISSUE")
    {
        Description = "The issue number, as printed by `issue compose` or `issue list`.",
    };
}
