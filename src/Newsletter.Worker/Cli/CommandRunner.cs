using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Errors;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Cli;

/// <summary>Runs one command inside a started host and turns the errors an operator can fix into messages and exit codes.</summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(HostSettings settings, Func<IServiceProvider, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) && settings.ConfigurationOverrides is null)
        {
            Console.Error.WriteLine($"error: no appsettings.json in {Directory.GetCurrentDirectory()}. " +
                                    "Run newsletter from the folder that holds your appsettings.json (the repository root).");
            return ExitCodes.UsageOrConfig;
        }

        StoreDatabase? database = null;
        IHost? host = null;
        try
        {
            host = NewsletterHost.Create(settings);
            // Validated here, before StartAsync, which would also log each failure with a stack trace.
            host.Services.GetService<IStartupValidator>()?.Validate();
            // The databases are opened before anything starts, so a read-only data folder or a file locked by another process
            // is one message naming the file, not a background warning or a stack trace from a hosted service.
            database = host.Services.GetRequiredService<StoreDatabase>();
            await database.InitializeAsync(cancellationToken);
            if (settings.RunJobServer)
            {
                _ = host.Services.GetRequiredService<JobStorage>();
            }
            // Starting the host validates every options class (ValidateOnStart) before the command touches anything.
            await host.StartAsync(cancellationToken);
            try
            {
                return await command(host.Services, cancellationToken);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ExitCodeFor(ex, host?.Services, database, cancellationToken) is { } exitCode)
        {
            return exitCode;
        }
        finally
        {
            host?.Dispose();
        }
    }

    /// <summary>
    /// The one mapping from what went wrong to what the operator reads and the exit code, for every command (<c>run</c> included):
    /// the message goes to stderr without a stack trace. Null for anything unforeseen, which is left to crash with its stack trace.
    /// </summary>
    /// <param name="services">The host's services, when it was built (to recognise a full disk by its files).</param>
    /// <param name="database">The store, when it was resolved (to name it when it cannot be reached).</param>
    /// <param name="cancellationToken">The command's token: its cancellation is Ctrl+C, not an error.</param>
    public static int? ExitCodeFor(Exception exception, IServiceProvider? services, StoreDatabase? database, CancellationToken cancellationToken)
    {
        if (ConfigurationErrors.TryWrite(exception, Directory.GetCurrentDirectory()))
        {
            return ExitCodes.UsageOrConfig;
        }
        if (services?.GetService<DiskFullErrors>()?.Recognise(exception) is { } full)
        {
            // A full disk under the database or the job store: say which file, not a stack trace. Every write is a transaction
            // or a single statement, so what was recorded before it stays, and the same command carries on once there is space.
            Console.Error.WriteLine($"error: {full.Message} Nothing recorded before it was lost: once there is space, run the same command again to carry on.");
            return ExitCodes.PartialFailure;
        }
        if ((database?.Unavailable(exception) ?? exception as StoreUnavailableException) is { } unavailable)
        {
            Console.Error.WriteLine($"error: {unavailable.Message}");
            return ExitCodes.UsageOrConfig;
        }
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped. Work already recorded is kept; run the same command again to carry on.");
            return ExitCodes.Interrupted;
        }

        int? exitCode = exception switch
        {
            CommandException command => command.ExitCode,
            // The send ran but did not reach everyone: what was sent stays sent, like a recipient who failed.
            SendStoppedException => ExitCodes.PartialFailure,
            // Nothing was done: an issue, send or list that does not exist, a send in the wrong state, lists or stories to fix.
            NewsletterException => ExitCodes.UsageOrConfig,
            TemplateException => ExitCodes.UsageOrConfig,
            _ => null,
        };
        if (exitCode is not null)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
        }
        return exitCode;
    }
}
