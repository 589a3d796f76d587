namespace Newsletter.Worker.Cli;

/// <summary>
/// A problem with what was typed on the command line (an argument, an option, a folder it names) that the operator can fix,
/// with a message that says how. Services never throw it: they throw the domain exceptions of <c>Newsletter.Core.Errors</c>,
/// which <see cref="CommandRunner.ExitCodeFor"/> maps. The CLI prints the message (no stack trace) and exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class CommandException(string message, int exitCode = ExitCodes.UsageOrConfig) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
