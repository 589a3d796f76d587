using Newsletter.Core.Lists;
using Newsletter.Worker.Cli;

// Every command matches addresses (stores, lists, suppressions): without ICU it would match them wrongly, silently.
if (EmailKey.UnicodeSupportProblem() is { } problem)
{
    Console.Error.WriteLine($"error: {problem}");
    return ExitCodes.UsageOrConfig;
}

return await NewsletterCli.Build().Parse(args).InvokeAsync();
