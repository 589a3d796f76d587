using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Newsletter.Core.Configuration;

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

        builder.Configure<IConfiguration>((options, configuration) => BindChecked(options, configuration, sectionPath, builder.Name));
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(sp =>
            new ConfigurationChangeTokenSource<TOptions>(builder.Name, sp.GetRequiredService<IConfiguration>().GetSection(sectionPath)));
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
