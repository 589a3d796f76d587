using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>Runs <see cref="MailingListLoader"/> at start-up so the host fails fast with the same messages <c>lists validate</c> prints. Warnings are logged.</summary>
public sealed partial class ListsOptionsValidator(IHostEnvironment? environment = null, ILogger<ListsOptionsValidator>? logger = null)
    : IValidateOptions<ListsOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<ListsOptionsValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, ListsOptions options)
    {
        var baseDirectory = environment?.ContentRootPath ?? Directory.GetCurrentDirectory();
        var result = new MailingListLoader(options, baseDirectory).Load();

        foreach (var warning in result.Warnings)
            LogListWarning(_logger, warning.ListName, warning.ToString());

        return result.HasErrors
            ? ValidateOptionsResult.Fail(result.Errors.Select(e => e.ToString()))
            : ValidateOptionsResult.Success;
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "List {ListName}: {Problem}")]
    private static partial void LogListWarning(ILogger logger, string listName, string problem);
}
