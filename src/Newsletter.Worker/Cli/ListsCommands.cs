using System.CommandLine;
using System.Globalization;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter lists validate|show|export|remove|signup-form|suppressions|unsuppress</c> (the middle ones in <see cref="ReadersCommands"/>).</summary>
public static partial class ListsCommands
{
    public static Command Build()
    {
        var lists = new Command("lists", "Check the subscriber lists configured under Newsletter:Lists, see and export who the next issue goes to, " +
            "manage readers who joined from the web and the suppression list.") { BuildValidate() };
        foreach (var command in ReadersCommands.Build()) lists.Subcommands.Add(command);
        lists.Subcommands.Add(BuildSuppressions());
        lists.Subcommands.Add(BuildUnsuppress());
        return lists;
    }

    private static Command BuildValidate()
    {
        var command = new Command("validate",
            "Read every list (inline subscribers and CSV files) and report invalid addresses, unreadable files and duplicates. " +
            "Exit code 2 when any list has an error.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var result = await ConsoleProgress.WhileAsync("Reading the lists…", () => services.GetRequiredService<MailingListCatalog>().Load(token));
            PrintProblems(result);
            foreach (var list in result.Lists)
            {
                Console.WriteLine($"  {list.Name,-16} {list.SubscriberCount,8:N0} subscribers  \"{list.DisplayName}\"");
            }
            Console.WriteLine(result.Errors.Count == 0
                ? $"{result.Lists.Count} list(s) valid, {result.Warnings.Count} warning(s)."
                : $"{result.Errors.Count} error(s): fix them in appsettings.json or the CSV files it names.");
            return result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.UsageOrConfig;
        }, ct));
        return command;
    }

    private static Command BuildSuppressions()
    {
        var command = new Command("suppressions",
            "List the suppression list, newest first: addresses never mailed again (unsubscribed, hard-bounced, complained, refused with 5xx), " +
            "whatever the config file says. `lists unsuppress ADDRESS` takes one off.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var all = await services.GetRequiredService<ISuppressionList>().ListAsync(token);
            if (all.Count == 0)
            {
                Console.WriteLine("The suppression list is empty.");
                return ExitCodes.Success;
            }
            Console.WriteLine($"{"SINCE",-16}  {"REASON",-12}  {"LIST",-16}  {"ADDRESS",-36}  DETAIL");
            foreach (var s in all)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.CreatedAt.ToUniversalTime():yyyy-MM-dd HH:mm}  {Describe(s.Reason),-12}  {s.ListName ?? "(all lists)",-16}  {s.Email,-36}  {s.Detail}"));
            }
            Console.WriteLine($"{all.Count:N0} suppression(s).");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildUnsuppress()
    {
        var address = new Argument<string>("ADDRESS") { Description = "The email address to take off the suppression list (every list and reason)." };
        var command = new Command("unsuppress",
            "Take an address off the suppression list, so the next send mails it again if a list has it. For an admin who knows the " +
            "address works again (a bounce that was a mistake, a reader who asked back in). Logged.")
        {
            address,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var email = parse.GetRequiredValue(address).Trim();
            var suppressions = services.GetRequiredService<ISuppressionList>();
            var removing = (await suppressions.ListAsync(token)).Where(s => EmailKey.SameMailbox(s.Email, email)).ToList();
            var removed = await suppressions.RemoveAsync(email, token);
            if (removed == 0)
            {
                Console.WriteLine($"{email} is not on the suppression list; nothing changed.");
                return ExitCodes.Success;
            }
            var what = string.Join(", ", removing.Select(s => $"{Describe(s.Reason)} on {s.ListName ?? "all lists"}"));
            LogUnsuppressed(services.GetRequiredService<ILoggerFactory>().CreateLogger("Newsletter.Worker.Lists"), email, what);
            Console.WriteLine($"Removed {removed} suppression(s) of {email} ({what}). The next send mails it if a list has it.");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    internal static void PrintProblems(MailingListLoadResult result)
    {
        foreach (var warning in result.Warnings)
        {
            Console.WriteLine($"warning: {warning}");
        }
        foreach (var error in result.Errors)
        {
            Console.Error.WriteLine($"error: {error}");
        }
    }

    internal static string Describe(SuppressionReason reason) => reason switch
    {
        SuppressionReason.Unsubscribed => "unsubscribed",
        SuppressionReason.HardBounce => "hard bounce",
        SuppressionReason.SoftBounce => "soft bounces",
        SuppressionReason.Complaint => "complaint",
        SuppressionReason.Refused => "refused",
        _ => reason.ToString(),
    };

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Suppression of {Email} removed by an operator (was: {Suppressions})")]
    private static partial void LogUnsuppressed(ILogger logger, string email, string suppressions);
}
