using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Newsletter.Core.Composition;

namespace Newsletter.Storage;

/// <summary>The frozen JSON form of an <see cref="Issue"/>, stories included.</summary>
internal static class IssueSnapshot
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Names, not numbers: a snapshot must still read after the enum gains or reorders members.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutComputedProperties } },
    };

    public static string Serialize(Issue issue) => JsonSerializer.Serialize(issue, Options);

    /// <exception cref="InvalidDataException">The stored JSON is not an issue.</exception>
    public static Issue Deserialize(string json, int number)
    {
        try
        {
            return JsonSerializer.Deserialize<Issue>(json, Options)
                ?? throw new InvalidDataException($"Issue #{number} has an empty snapshot in the database.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Issue #{number} has an unreadable snapshot in the database: {e.Message}", e);
        }
    }

    // Issue.AllStories and Issue.WeekStarting are derived; storing them would duplicate every story.
    private static void LeaveOutComputedProperties(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            var property = type.Properties[i];
            if (property.Set is null && property.AssociatedParameter is null)
            {
                type.Properties.RemoveAt(i);
            }
        }
    }
}
