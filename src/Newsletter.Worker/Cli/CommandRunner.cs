using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Hangfire;
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
        catch (Exception ex) when (ConfigurationErrors.TryWrite(ex, Directory.GetCurrentDirectory()))
        {
            return ExitCodes.UsageOrConfig;
        }
        catch (Exception ex) when (host?.Services.GetService<DiskFullErrors>()?.Recognise(ex) is { } full)
        {
            // A full disk under the database or the job store: say which file, not a stack trace. Every write is a transaction
            // or a single statement, so what was recorded before it stays, and the same command carries on once there is space.
            Console.Error.WriteLine($"error: {full.Message} Nothing recorded before it was lost: once there is space, run the same command again to carry on.");
            return ExitCodes.PartialFailure;
        }
        catch (Exception ex) when ((database?.Unavailable(ex) ?? ex as StoreUnavailableException) is { } unavailable)
        {
            Console.Error.WriteLine($"error: {unavailable.Message}");
            return ExitCodes.UsageOrConfig;
        }
        catch (CommandException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is EmptyWeekException or IssueAlreadyComposedException or Newsletter.Rendering.TemplateException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageOrConfig;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped. Work already recorded is kept; run the same command again to carry on.");
            return 130;
        }
        finally
        {
            host?.Dispose();
        }
    }
}
