using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Newsletter.Hosting.Configuration;

/// <summary>Says where a configuration key got its value, so an error can send the operator to the right file and line.</summary>
public static class ConfigurationKeySource
{
    /// <summary>
    /// <c>appsettings.json:52</c>, <c>environment variable Newsletter__Delivery__BatchSize</c>, or the key itself when the
    /// source is something else (tests, the command line).
    /// </summary>
    public static string Describe(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return key;
        }

        // Later providers override earlier ones, so the value in force comes from the last provider that has the key.
        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                FileConfigurationProvider file when file.Source.Path is { } name =>
                    LineOf(file.Source.FileProvider?.GetFileInfo(name).PhysicalPath, key) is { } line ? $"{name}:{line}" : name,
                EnvironmentVariablesConfigurationProvider => $"environment variable {key.Replace(":", "__", StringComparison.Ordinal)}",
                _ => key,
            };
        }
        return key;
    }

    /// <summary>The 1-based line of the value of <paramref name="key"/> in a JSON configuration file, or null if it cannot be found.</summary>
    internal static int? LineOf(string? jsonFile, string key)
    {
        if (jsonFile is null || !File.Exists(jsonFile))
        {
            return null;
        }

        try
        {
            var bytes = File.ReadAllBytes(jsonFile);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            // The path of the token being read, as configuration keys spell it: property names, and array indexes as segments.
            var path = new List<string>();
            var arrayIndexes = new Stack<int>();
            var containers = new Stack<bool>(); // true for an array
            string? pendingName = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingName = reader.GetString();
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        containers.Pop();
                        if (reader.TokenType == JsonTokenType.EndArray) arrayIndexes.Pop();
                        if (path.Count > 0) path.RemoveAt(path.Count - 1);
                        continue;
                }

                // A value (or the start of one): give it its segment.
                string? segment = null;
                if (containers.Count > 0)
                {
                    if (containers.Peek())
                    {
                        var index = arrayIndexes.Pop();
                        arrayIndexes.Push(index + 1);
                        segment = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        segment = pendingName;
                    }
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (segment is not null) path.Add(segment);
                    containers.Push(reader.TokenType == JsonTokenType.StartArray);
                    if (reader.TokenType == JsonTokenType.StartArray) arrayIndexes.Push(0);
                    continue;
                }

                if (segment is not null && string.Equals(string.Join(':', path.Append(segment)), key, StringComparison.OrdinalIgnoreCase))
                {
                    return 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            // The line is a courtesy; the key and value still say what is wrong.
        }
        return null;
    }
}
