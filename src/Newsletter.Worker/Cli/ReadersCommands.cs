using System.CommandLine;
using System.Globalization;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Messages;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Rendering.Pages;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary>
/// The <c>lists</c> commands about who the next issue goes to, configured and joined from the web alike:
/// <c>lists show</c>, <c>lists export</c>, <c>lists remove</c> and <c>lists signup-form</c>.
/// </summary>
public static partial class ReadersCommands
{
    public static IEnumerable<Command> Build() => [BuildShow(), BuildExport(), BuildRemove(), BuildSignupForm()];

    private static Command BuildShow()
    {
        var name = new Argument<string?>("NAME") { Description = "Only this list (default: every list).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("show",
            "Print each list with its counts: subscribers configured, readers joined from the signup form, suppressed (with the " +
            "reasons: the suppression list always wins), and how many the next send goes to.")
        {
            name,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var (result, lists) = await LoadAsync(services, parse.GetValue(name), token);
            foreach (var list in lists)
            {
                var roll = await NextSendAsync(services, list, token);
                var reasons = roll.Where(r => r.Reason is not null).Select(r => r.Reason!.Value).ToList();
                Console.WriteLine($"{list.Name}  \"{list.DisplayName}\"");
                Console.WriteLine($"  configured  {list.SubscriberCount,8:N0}");
                Console.WriteLine($"  joined      {roll.JoinedCount,8:N0}" + (services.GetRequiredService<MailingListCatalog>().SignupOf(list.Name) is { } signup
                    ? $"  (signup form on; consent text {signup.ConsentHash[..12]})" : "  (signup form off)"));
                Console.WriteLine($"  suppressed  {reasons.Count,8:N0}" + (reasons.Count == 0 ? "" :
                    "  (" + string.Join(", ", reasons.GroupBy(r => r).OrderBy(g => g.Key).Select(g => $"{ListsCommands.Describe(g.Key)} {g.Count():N0}")) + ")"));
                Console.WriteLine($"  next send   {roll.Count - reasons.Count,8:N0}");
            }
            return result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.UsageOrConfig;
        }, ct));
        return command;
    }

    private static Command BuildExport()
    {
        var name = new Argument<string>("NAME") { Description = "The list." };
        var output = new Option<FileInfo?>("--out") { Description = "Write the CSV to this file instead of the console." };
        var command = new Command("export",
            "Write everyone the next issue of the list would go to (configured and joined from the web, suppressed addresses left out) " +
            "as CSV with the header row email,name: the shape of a SubscribersFile.")
        {
            name, output,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var (_, lists) = await LoadAsync(services, parse.GetRequiredValue(name), token);
            var roll = await NextSendAsync(services, lists[0], token);
            var file = parse.GetValue(output);
            await using var writer = file is null ? Console.Out : new StreamWriter(file.FullName, append: false, new System.Text.UTF8Encoding(false));
            await writer.WriteLineAsync("email,name");
            var written = 0;
            foreach (var (subscriber, _) in roll.Where(r => r.Reason is null))
            {
                await writer.WriteLineAsync(Csv(subscriber.Email) + "," + Csv(subscriber.Name ?? ""));
                written++;
            }
            await writer.FlushAsync(token);
            if (file is not null) Console.WriteLine($"Wrote {written:N0} reader(s) of '{lists[0].Name}' to {file.FullName}.");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The list the reader joined from the web." };
        var address = new Argument<string>("ADDRESS") { Description = "The reader's email address." };
        var command = new Command("remove",
            "Delete a reader who joined the list from the signup form: their address, name and consent record are erased (a GDPR " +
            "erasure request, or a signup you do not want). Readers in the config file are removed by editing it.")
        {
            name, address,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var (_, lists) = await LoadAsync(services, parse.GetRequiredValue(name), token);
            var list = lists[0];
            var email = parse.GetRequiredValue(address).Trim();
            var removed = await services.GetRequiredService<ISignupStore>().RemoveAsync(list.Name, email, token);
            var configured = list.Subscribers.Any(s => EmailKey.SameMailbox(s.Email, email));
            if (removed) LogRemoved(services.GetRequiredService<ILoggerFactory>().CreateLogger("Newsletter.Worker.Lists"), email, list.Name);
            Console.WriteLine((removed ? $"Removed {email}, who had joined '{list.Name}' from the web; nothing about them is kept." : $"{email} had not joined '{list.Name}' from the web; nothing changed.")
                + (configured ? $" The address is also in the configuration of '{list.Name}': edit that to take it off." : ""));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildSignupForm()
    {
        var name = new Argument<string>("NAME") { Description = "A list whose configuration has Signup: { Enabled: true }." };
        var command = new Command("signup-form",
            "Print the list's signup form as HTML to paste into any web page: it posts to this newsletter's public address " +
            "(Newsletter:Sender:PublicBaseUrl) and needs no script.")
        {
            name,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var listName = parse.GetRequiredValue(name);
            var catalog = services.GetRequiredService<MailingListCatalog>();
            if (catalog.SignupOf(listName) is not { } signup)
            {
                Console.Error.WriteLine($"error: list '{listName}' takes no signups. Set Newsletter:Lists:{listName}:Signup:Enabled to true and " +
                                        $"Newsletter:Lists:{listName}:Signup:ConsentText in appsettings.json (and check the list exists: `newsletter lists show`).");
                return ExitCodes.UsageOrConfig;
            }
            var urls = services.GetRequiredService<PublicUrls>();
            var html = await services.GetRequiredService<PageRenderer>().RenderAsync("signup/Snippet",
                new SignupPage(signup.DisplayName, signup.ConsentText, signup.ConsentHash, urls.Signup(signup.ListName)), token);
            Console.WriteLine(html.Trim());
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static async Task<(MailingListLoadResult Result, IReadOnlyList<MailingList> Lists)> LoadAsync(IServiceProvider services, string? only, CancellationToken token)
    {
        var result = await ConsoleProgress.WhileAsync("Reading the lists…", () => services.GetRequiredService<MailingListCatalog>().Load(token));
        ListsCommands.PrintProblems(result);
        IReadOnlyList<MailingList> lists = only is null
            ? result.Lists
            : [result.Find(only) ?? throw new ListNotFoundException(only, result.Lists.Select(l => l.Name).ToList())];
        return (result, lists);
    }

    /// <summary>Everyone the next send of <paramref name="list"/> records, as the send merges them, each with the suppression that keeps them out, if any.</summary>
    private static async Task<NextSend> NextSendAsync(IServiceProvider services, MailingList list, CancellationToken token)
    {
        var joined = await services.GetRequiredService<ISignupStore>().ListJoinedAsync(list.Name, token);
        var suppressions = (await services.GetRequiredService<ISuppressionList>().ListAsync(token)).ToLookup(s => EmailKey.Of(s.Email));
        var everyone = list.WithJoined(joined.Select(r => new Subscriber(r.Email, r.Name)).ToList()).Subscribers;
        return new NextSend(joined.Count, everyone.Select(s => (s, suppressions[EmailKey.Of(s.Email)]
            .Where(x => x.ListName is null || x.ListName == list.Name).Select(x => (SuppressionReason?)x.Reason).FirstOrDefault())).ToList());
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private sealed class NextSend(int joinedCount, List<(Subscriber Subscriber, SuppressionReason? Reason)> rows)
        : List<(Subscriber Subscriber, SuppressionReason? Reason)>(rows)
    {
        public int JoinedCount { get; } = joinedCount;
    }

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Reader {Email} who joined list {ListName} from the web was removed by an operator")]
    private static partial void LogRemoved(ILogger logger, string email, string listName);
}
