namespace Newsletter.Worker.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The command ran, but something in it failed: a recipient, a story file.</summary>
    public const int PartialFailure = 1;
    /// <summary>Bad arguments or configuration; nothing was done.</summary>
    public const int UsageOrConfig = 2;
    /// <summary>Stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
