using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Newsletter.Hosting.Configuration;

/// <summary>
/// The one way every options class is bound from configuration. Values are checked against the property types before the
/// framework binder runs, because the binder throws on the first value it cannot convert, with a stack trace and no word of
/// where the value came from or what would be accepted.
/// </summary>
public static class ConfiguredOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to the configuration section <paramref name="sectionPath"/> (and re-binds on reload).
    /// </summary>
    /// <exception cref="OptionsValidationException">
    /// Thrown when the options are first read (at start with ValidateOnStart) if a value cannot be converted to its property's type.
    /// Each failure is one line naming where the value was set (file and line, or environment variable), the key, the value and
    /// what to write instead.
    /// </exception>
    public static OptionsBuilder<TOptions> BindSection<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);

        builder.Services.AddSingleton(new BoundSection<TOptions>(sectionPath));
        builder.Configure<IConfiguration>((options, configuration) => BindChecked(options, configuration, sectionPath, builder.Name));
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(sp =>
            new ConfigurationChangeTokenSource<TOptions>(builder.Name, sp.GetRequiredService<IConfiguration>().GetSection(sectionPath)));
        return builder;
    }

    /// <summary>
    /// Validates the data annotations of options bound with <see cref="BindSection{TOptions}"/> (and of members marked
    /// <see cref="ValidateObjectMembersAttribute"/>), each failure one line naming where the value was set, the key and the value.
    /// </summary>
    public static OptionsBuilder<TOptions> ValidateSectionAnnotations<TOptions>(this OptionsBuilder<TOptions> builder)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(sp => new SectionAnnotationsValidator<TOptions>(
            builder.Name, sp.GetRequiredService<BoundSection<TOptions>>().Path, sp.GetRequiredService<IConfiguration>()));
        return builder;
    }

    /// <summary>Checks then binds one section into an existing instance (for sections bound by hand, such as a dictionary).</summary>
    /// <exception cref="OptionsValidationException">A value cannot be converted to its property's type.</exception>
    public static void BindChecked<TOptions>(TOptions options, IConfiguration configuration, string sectionPath, string? optionsName = null)
        where TOptions : class
    {
        var section = configuration.GetSection(sectionPath);
        var problems = ConfigurationValueChecker.Check(typeof(TOptions), section);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(optionsName ?? Options.DefaultName, typeof(TOptions),
                problems.Select(p => p.Describe(configuration)));
        }
        section.Bind(options);
    }
}

/// <summary>Which configuration section an options type is bound to, for its validator's messages.</summary>
internal sealed record BoundSection<TOptions>(string Path);
