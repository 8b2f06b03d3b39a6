using System;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClickAnalytics;

/// <summary>Options binding shared by the ClickAnalytics packages.</summary>
internal static class ClickAnalyticsOptionsBuilderExtensions
{
    /// <summary>
    /// Binds the options to a configuration section when the application has an
    /// <see cref="IConfiguration"/> (every ASP.NET Core and generic host does), and leaves them to
    /// code otherwise, so the packages also work in a bare service collection.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSectionIfConfigured<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        builder.Services.AddSingleton(new SettingsSection(sectionPath, typeof(TOptions)));
        return builder.Configure<IServiceProvider>((options, services) =>
        {
            if (services.GetService<IConfiguration>()?.GetSection(sectionPath) is { } section)
            {
                SettingsCheck.ThrowOnInvalidEnumValues(section, typeof(TOptions));
                section.Bind(options);
            }
        });
    }

    /// <summary>
    /// The options of a component (a store, a buffer) registered the one way every package does it:
    /// bound from <paramref name="defaultSection"/> when the host passes no section of its own, else
    /// from <paramref name="section"/>; then configured in code by <paramref name="configure"/>;
    /// checked by <typeparamref name="TValidator"/> (a generated validator) when the host starts.
    /// The public overloads <c>()</c>, <c>(Action&lt;TOptions&gt;)</c> and <c>(IConfiguration)</c> of
    /// each package end here; calling them again configures the same options again.
    /// </summary>
    public static IServiceCollection AddComponentOptions<TOptions, TValidator>(
        this IServiceCollection services,
        string defaultSection,
        IConfiguration? section,
        Action<TOptions>? configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<TOptions> options = services.AddOptions<TOptions>();
        if (!services.Any(static d => d.ServiceType == typeof(OptionsMarker<TOptions>)))
        {
            services.AddSingleton<OptionsMarker<TOptions>>();
            if (section is null)
            {
                options.BindSectionIfConfigured(defaultSection);
            }

            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        }

        if (section is not null)
        {
            options.Bind(section);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    private sealed class OptionsMarker<TOptions>;
}
