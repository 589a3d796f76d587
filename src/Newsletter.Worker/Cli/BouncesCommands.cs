using System.CommandLine;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Delivery.Bounces;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter bounces process</c>: one pass over the bounce mailbox, as <c>run</c> does every few minutes.</summary>
public static class BouncesCommands
{
    public static Command Build() => new("bounces", "Read delivery status notifications and feedback-loop complaints from the bounce mailbox (Newsletter:Bounces).")
    {
        BuildProcess(),
    };

    private static Command BuildProcess()
    {
        var command = new Command("process",
            "Read the bounce mailbox once: suppress addresses that hard-bounced (5.x.x), count soft bounces (4.x.x) and suppress after " +
            "Newsletter:Bounces:SoftBounceLimit consecutive issues, suppress readers who reported an issue as spam (ARF feedback reports) and " +
            "count each complaint against its send, pausing a running send above Newsletter:Bounces:ComplaintRateCeiling; then move each " +
            "message to the processed folder (or mark it seen). " +
            "Exit code 1 when the mailbox cannot be read.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var options = services.GetRequiredService<IOptions<BounceOptions>>().Value;
            if (!options.Enabled)
            {
                throw new CommandException($"{BounceOptions.SectionName}:Enabled is false. Set it to true with Host, User and the environment " +
                                           "variable Newsletter__Bounces__Password to read the bounce mailbox.");
            }

            BounceProcessingReport report;
            try
            {
                report = await services.GetRequiredService<BounceProcessor>().ProcessAsync(token);
            }
            catch (BounceMailboxException ex)
            {
                throw new CommandException(ex.Message, ExitCodes.PartialFailure);
            }

            foreach (var message in report.Messages)
            {
                var who = message.Email is null ? "" : $" {message.Email}";
                var issue = message.IssueNumber is { } n ? $" issue #{n}" + (message.ListName is { } list ? $" to '{list}'" : "") : "";
                var by = message.MatchedBy is null ? "" : $" (by {message.MatchedBy})";
                Console.WriteLine($"  {message.Uid,6}  {message.Kind,-20}{who}{issue}{by} {message.Status} {message.SetAside}: {message.Detail}");
            }
            Console.WriteLine(report.Summary + ".");
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
