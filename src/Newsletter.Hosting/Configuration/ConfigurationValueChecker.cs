using System.Collections.Concurrent;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Newsletter.Hosting.Configuration;

/// <summary>
/// Finds configured values that cannot become their property's type (a word for a number, an unknown enum name), walking
/// the options type rather than the configuration. Keys are looked up directly; only collections are enumerated, once
/// each, because enumerating the children of a section scans every key of the configuration: doing that per element is
/// what made a 30,000-subscriber inline list take a minute and a half to bind.
/// </summary>
public static class ConfigurationValueChecker
{
    private const int MaxDepth = 8;

    /// <summary>Per options type: whether some value under it could fail to convert (see <see cref="CanReject"/>).</summary>
    private static readonly ConcurrentDictionary<Type, bool> Rejecting = new();

    /// <summary>Every value under <paramref name="section"/> that cannot be converted to the type of the property it sets.</summary>
    public static IReadOnlyList<ConfigurationValueProblem> Check(Type optionsType, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<ConfigurationValueProblem>();
        CheckMember(optionsType, section, null, problems, 0);
        return problems;
    }

    private static void CheckObject(Type type, IConfigurationSection section, List<ConfigurationValueProblem> problems, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }
            CheckMember(property.PropertyType, section.GetSection(property.Name), property, problems, depth);
        }
    }

    private static void CheckMember(Type type, IConfigurationSection section, PropertyInfo? property, List<ConfigurationValueProblem> problems, int depth)
    {
        // A list of things made only of strings (an inline list's subscribers: Email, Name) takes any value: walking its
        // 30,000 entries found nothing and cost more than reading them.
        if (!CanReject(type))
        {
            return;
        }

        if (IsScalar(type))
        {
            if (section.Value is { } value && !CanConvert(type, value))
            {
                problems.Add(new ConfigurationValueProblem(section.Path, value, Expected(type, property)));
            }
            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                CheckMember(element, child, null, problems, depth + 1);
            }
            return;
        }

        // Only our own option types are walked into; anything else is left to the binder.
        if (type.IsClass && type.Namespace?.StartsWith("Newsletter", StringComparison.Ordinal) == true && section.Value is null)
        {
            CheckObject(type, section, problems, depth + 1);
        }
    }

    /// <summary>
    /// Whether some value set under <paramref name="type"/> could fail to convert: any scalar but a string, or a collection
    /// or one of our options types holding one. Worked out once per type.
    /// </summary>
    private static bool CanReject(Type type) => Rejecting.GetOrAdd(type, static t => CanReject(t, 0));

    private static bool CanReject(Type type, int depth)
    {
        if (IsScalar(type))
        {
            return type != typeof(string);
        }
        if (depth > MaxDepth)
        {
            return false;
        }
        if (ElementType(type) is { } element)
        {
            return CanReject(element, depth + 1);
        }
        return type.IsClass && type.Namespace?.StartsWith("Newsletter", StringComparison.Ordinal) == true
            && type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Any(p => p.GetIndexParameters().Length == 0 && CanReject(p.PropertyType, depth + 1));
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(DateTime)
               || t == typeof(DateTimeOffset) || t == typeof(DateOnly) || t == typeof(TimeOnly) || t == typeof(Guid) || t == typeof(Uri);
    }

    /// <summary>The element type of an array, list or dictionary (keyed by string), or null.</summary>
    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        var dictionary = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)));
        if (dictionary is not null)
        {
            return dictionary.GetGenericArguments()[1];
        }
        var enumerable = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static bool CanConvert(Type type, string value)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || (t != type && value.Length == 0))
        {
            return true;
        }
        if (t.IsEnum)
        {
            // Names only. The binder also takes numbers and comma lists, so "Provider": 1 would quietly mean PostgreSql: a number
            // says nothing to whoever reads the file, and it changes meaning if the members are ever reordered.
            return Enum.GetNames(t).Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);
        }
        try
        {
            // The same conversion the binder uses.
            TypeDescriptor.GetConverter(t).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException or UriFormatException)
        {
            return false;
        }
    }

    private static string Expected(Type type, PropertyInfo? property)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var range = property?.GetCustomAttribute<RangeAttribute>();
        var within = range is null ? "" : string.Create(CultureInfo.InvariantCulture, $" from {range.Minimum} to {range.Maximum}");
        if (t.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(t));
        }
        if (t == typeof(bool))
        {
            return "true or false";
        }
        if (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort))
        {
            return $"a whole number{within}, without quotes";
        }
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return $"a number{within} (a dot for decimals, e.g. 0.5), without quotes";
        }
        if (t == typeof(TimeSpan))
        {
            return "a duration as hh:mm:ss, e.g. 00:05:00";
        }
        if (t == typeof(Uri))
        {
            return "an absolute address, e.g. https://example.com";
        }
        return $"a value of type {t.Name}";
    }
}
