using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Newsletter.Worker.Cli;

/// <summary>
/// Turns the ways a host can fail on its configuration (a JSON file that does not parse, a value of the wrong type, a
/// failed validation) into one line per mistake, without a stack trace. Used by every command, <c>run</c> included.
/// </summary>
public static class ConfigurationErrors
{
    /// <summary>The lines to print for <paramref name="exception"/>, or null when it is not a configuration mistake.</summary>
    public static IReadOnlyList<string>? Describe(Exception exception, string contentRoot)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                return Lines([validation]);
            case AggregateException aggregate when aggregate.Flatten().InnerExceptions is { Count: > 0 } inner && inner.All(e => e is OptionsValidationException):
                // The host validates every section at start and throws them together.
                return Lines(inner.Cast<OptionsValidationException>());
            case InvalidDataException when exception.InnerException is FormatException { InnerException: JsonException }:
                return [UnreadableJson(contentRoot) ?? exception.Message];
            default:
                return null;
        }
    }

    /// <summary>Prints the lines for a configuration mistake to stderr; false when it is not one.</summary>
    public static bool TryWrite(Exception exception, string contentRoot)
    {
        if (Describe(exception, contentRoot) is not { } lines)
        {
            return false;
        }
        foreach (var line in lines)
        {
            Console.Error.WriteLine($"error: {line}");
        }
        return true;
    }

    private static List<string> Lines(IEnumerable<OptionsValidationException> exceptions) =>
        exceptions.SelectMany(e => e.Failures).SelectMany(f => f.Split(Environment.NewLine)).Where(l => l.Trim().Length > 0).Distinct().ToList();

    /// <summary>
    /// Re-reads the settings files the host loads to find which one does not parse, and where: the framework's exception names
    /// the file only inside its message text.
    /// </summary>
    private static string? UnreadableJson(string contentRoot)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        foreach (var name in new[] { "appsettings.json", $"appsettings.{environment}.json" })
        {
            var path = Path.Combine(contentRoot, name);
            if (!File.Exists(path)) continue;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(path),
                    new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException ex)
            {
                var problem = ex.Message;
                var position = problem.IndexOf(" LineNumber:", StringComparison.Ordinal);
                if (position > 0) problem = problem[..position];
                return $"{name}:{ex.LineNumber + 1}: the file is not valid JSON (column {ex.BytePositionInLine + 1}): {problem.Trim()} " +
                       "Fix the file there; a missing comma or quote on the line before is the usual cause.";
            }
        }
        return null;
    }
}
