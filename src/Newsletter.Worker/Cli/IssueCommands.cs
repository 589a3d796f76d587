using System.CommandLine;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Rendering;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter issue compose|list|preview</c>.</summary>
public static class IssueCommands
{
    public static Command Build() => new("issue", "Compose issues and look at them before they go out.")
    {
        BuildCompose(), BuildList(), BuildPreview(),
    };

    private static Command BuildCompose()
    {
        var date = CliArguments.WeekEnding("The last day of the week (default: today, in Newsletter:Schedule:TimeZone). The issue takes the stories dated in the 7 days ending then.");
        var command = new Command("compose",
            "Compose the week's issue from stories not used in an earlier issue, number it, and freeze it: " +
            "later edits to the stories do not change it. Prints the issue number.")
        {
            date,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var weekEnding = parse.GetValue(date)
                ?? ScheduleCalendar.Today(services.GetRequiredService<IOptions<ScheduleOptions>>().Value, services.GetRequiredService<TimeProvider>());
            var issue = await services.GetRequiredService<IssueComposer>().ComposeAsync(weekEnding, token);
            Console.WriteLine($"Composed issue #{issue.Number} for {issue.WeekStarting:yyyy-MM-dd} to {issue.WeekEnding:yyyy-MM-dd}");
            Console.WriteLine($"  Subject:   {issue.Subject}");
            Console.WriteLine($"  Preheader: {issue.Preheader}");
            Console.WriteLine($"  {IssueComposer.FeaturedHeading}: {issue.Featured.Title}");
            foreach (var section in issue.Sections)
            {
                Console.WriteLine($"  {section.Heading}: {section.Stories.Count} {(section.Stories.Count == 1 ? "story" : "stories")}");
            }
            Console.WriteLine($"Preview it with `newsletter issue preview {issue.Number} --out preview/`, send it with `newsletter send {issue.Number} --list NAME --wait`.");
            Console.WriteLine(issue.Number);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildList()
    {
        var command = new Command("list", "List composed issues, newest first.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var issues = await services.GetRequiredService<IIssueStore>().ListAsync(token);
            if (issues.Count == 0)
            {
                Console.WriteLine("No issues yet. `newsletter issue compose --date YYYY-MM-DD` composes one.");
                return ExitCodes.Success;
            }
            Console.WriteLine($"{"ISSUE",-6} {"WEEK ENDING",-11}  {"STORIES",7}  SUBJECT");
            foreach (var issue in issues)
            {
                Console.WriteLine($"#{issue.Number,-5} {issue.WeekEnding:yyyy-MM-dd}   {issue.AllStories.Count(),7}  {issue.Subject}");
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildPreview()
    {
        var issue = CliArguments.IssueNumber();
        var output = new Option<string>("--out") { Description = "The folder to write issue-N.html, issue-N.txt and issue-N.eml into (created if missing).", Required = true, HelpName = "DIR" };
        var list = new Option<string?>("--list") { Description = "Preview as a member of this list would get it (default: the first configured list).", HelpName = "NAME" };
        var noScreenshots = new Option<bool>("--no-screenshots") { Description = "Skip the PNG screenshots (they need headless Chromium: sudo apt-get install -y chromium)." };
        var command = new Command("preview",
            "Write the issue's HTML, its plain text, one complete .eml message for a sample subscriber, and PNG screenshots " +
            "at 375 px (phone, light and dark) and 800 px (desktop) taken with headless Chromium.")
        {
            issue, output, list, noScreenshots,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var issueNumber = parse.GetValue(issue);
            _ = await services.GetRequiredService<IIssueStore>().GetAsync(issueNumber, token)
                ?? throw new IssueNotFoundException(issueNumber);
            var catalog = services.GetRequiredService<MailingListCatalog>();
            var target = parse.GetValue(list) is { } name ? catalog.Resolve([name]).Single() : catalog.Resolve([]).FirstOrDefault()
                ?? new MailingList("preview", "Preview", []);
            var subscriber = target.Subscribers.FirstOrDefault() ?? new Subscriber("reader@example.com", "Reader");

            var renders = services.GetRequiredService<RenderedIssueCache>();
            var messages = services.GetRequiredService<IssueMessageBuilder>();
            var message = messages.Build(await renders.GetBodyAsync(issueNumber, target, token), target, subscriber);
            // The .html and .txt files are what that subscriber's message decodes to: the same unsubscribe URL as its List-Unsubscribe.
            var unsubscribeUrl = (message.Message.Headers[MimeKit.HeaderId.ListUnsubscribe] ?? "").Trim().TrimStart('<').TrimEnd('>');
            var content = (await renders.GetAsync(issueNumber, target, token)).Personalise(subscriber.Name, unsubscribeUrl);

            var folder = Path.GetFullPath(parse.GetRequiredValue(output));
            Directory.CreateDirectory(folder);
            var stem = Path.Combine(folder, $"issue-{issueNumber}");
            await File.WriteAllTextAsync(stem + ".html", content.Html, token);
            await File.WriteAllTextAsync(stem + ".txt", content.Text, token);
            await message.Message.WriteToAsync(stem + ".eml", token);
            Console.WriteLine($"Issue #{issueNumber} as {subscriber.Email} on list '{target.Name}' would get it:");
            Console.WriteLine($"  {stem}.html  ({new FileInfo(stem + ".html").Length / 1024.0:N1} KB)");
            Console.WriteLine($"  {stem}.txt");
            Console.WriteLine($"  {stem}.eml  (envelope sender {message.EnvelopeSender.Address}{(messages.Signs ? ", DKIM-signed" : ", not DKIM-signed")})");
            if (!parse.GetValue(noScreenshots))
            {
                foreach (var png in await Rendering.Preview.IssueScreenshots.TryWriteAsync(content.Html, stem, Console.Out, token))
                    Console.WriteLine($"  {png}");
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
