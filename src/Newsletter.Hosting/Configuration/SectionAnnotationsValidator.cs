using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Newsletter.Hosting.Configuration;

/// <summary>
/// Data-annotation validation whose failures name the key, the value as written and where it was set, instead of the
/// framework's "DataAnnotation validation failed for 'SendingOptions' members: 'ErrorBudget'…", which names none of them.
/// </summary>
internal sealed class SectionAnnotationsValidator<TOptions>(string? name, string sectionPath, IConfiguration configuration) : IValidateOptions<TOptions>
    where TOptions : class
{
    private const int MaxDepth = 4;

    public ValidateOptionsResult Validate(string? optionsName, TOptions options)
    {
        if (name is not null && name != optionsName)
        {
            return ValidateOptionsResult.Skip;
        }
        var failures = new List<string>();
        Collect(options, sectionPath, failures, 0);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Collect(object instance, string path, List<string> failures, int depth)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        foreach (var result in results)
        {
            var key = result.MemberNames.FirstOrDefault() is { } member ? $"{path}:{member}" : path;
            var value = configuration[key];
            var where = ConfigurationKeySource.Describe(configuration, key);
            var subject = value is null ? $"{key} is not set" : $"{key} is \"{value}\"";
            failures.Add(value is null || where == key ? $"{subject}: {result.ErrorMessage}" : $"{where}: {subject}: {result.ErrorMessage}");
        }

        if (depth >= MaxDepth)
        {
            return;
        }
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<ValidateObjectMembersAttribute>() is not null && property.GetValue(instance) is { } child)
            {
                Collect(child, $"{path}:{property.Name}", failures, depth + 1);
            }
        }
    }
}
