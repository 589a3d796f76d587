namespace Newsletter.Worker;

/// <summary>
/// A problem the operator can fix, with a message that says how. The CLI prints the message (no stack trace)
/// and exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class CommandException(string message, int exitCode = ExitCodes.UsageOrConfig) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The command ran, but something in it failed: a recipient, a story file.</summary>
    public const int PartialFailure = 1;
    /// <summary>Bad arguments or configuration; nothing was done.</summary>
    public const int UsageOrConfig = 2;
}
