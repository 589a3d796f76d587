using System.CommandLine;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Lists;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter lists validate</c>.</summary>
public static class ListsCommands
{
    public static Command Build() => new("lists", "Check the subscriber lists configured under Newsletter:Lists.")
    {
        BuildValidate(),
    };

    private static Command BuildValidate()
    {
        var command = new Command("validate",
            "Read every list (inline subscribers and CSV files) and report invalid addresses, unreadable files and duplicates. " +
            "Exit code 2 when any list has an error.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false, ValidateListsAtStart: false), (services, token) =>
        {
            var result = services.GetRequiredService<MailingListCatalog>().Load();
            foreach (var warning in result.Warnings)
            {
                Console.WriteLine($"warning: {warning}");
            }
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }
            foreach (var list in result.Lists)
            {
                Console.WriteLine($"  {list.Name,-16} {list.SubscriberCount,8:N0} subscribers  \"{list.DisplayName}\"");
            }
            Console.WriteLine(result.Errors.Count == 0
                ? $"{result.Lists.Count} list(s) valid, {result.Warnings.Count} warning(s)."
                : $"{result.Errors.Count} error(s): fix them in appsettings.json or the CSV files it names.");
            return Task.FromResult(result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.UsageOrConfig);
        }, ct));
        return command;
    }
}
