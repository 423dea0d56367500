using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// What a schema's fields must hold, taken from what the hub enforces rather than written a second time. A request
/// type (one with a validator) requires the fields its validator requires unconditionally, and its fields carry the
/// validator's lengths, patterns, ranges, list sizes and allowed values. A response type lists every field as
/// required, because the hub always writes every field (null where there is no value). Fields marked
/// <see cref="KnownValuesAttribute"/> carry their values as an enum; open sets (channel types) as known values beside
/// the pattern any custom value follows. Fields without an XML comment take their description from
/// <see cref="FieldDescriptions"/>.
/// </summary>
internal sealed class SchemaRulesFilter(IServiceProvider services) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties } target)
        {
            return;
        }

        var members = context
            .Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.Ordinal);
        var validator = services.GetService(typeof(IValidator<>).MakeGenericType(context.Type)) as IValidator;
        var rules = validator?.CreateDescriptor().Rules.Where(r => r.Member is not null).ToList() ?? [];
        var required = new SortedSet<string>(target.Required ?? new HashSet<string>(), StringComparer.Ordinal);
        var name = OpenApiExtensions.SchemaId(context.Type);
        var orNull = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var (field, property) in properties)
        {
            if (!members.TryGetValue(field, out var member))
            {
                continue;
            }

            var ofMember = rules.Where(r => r.Member.Name == member.Name).ToList();
            if (validator is null || ofMember.Any(IsRequiring))
            {
                required.Add(field);
            }

            // Required by the validator, null is refused too, though the CLR type (an optional binding) admits it.
            if (
                validator is not null
                && ofMember.Any(IsRequiring)
                && property is OpenApiSchema { Type: { } nullable } n
            )
            {
                n.Type = nullable & ~JsonSchemaType.Null;
            }

            if (property is OpenApiSchema own)
            {
                foreach (var rule in ofMember)
                {
                    Constrain(IsForEach(rule) ? own.Items as OpenApiSchema : own, rule);
                }

                KnownValues(own, member, context.Type);
                // A source's free-form metadata is any JSON object (its validator refuses other JSON).
                if (field == "metadata" && member.PropertyType == typeof(JsonElement?) && own.Type is null)
                {
                    own.Type = JsonSchemaType.Object | JsonSchemaType.Null;
                }

                foreach (
                    var nested in new[]
                    {
                        own.Items,
                        own.AdditionalProperties,
                        (own.AdditionalProperties as OpenApiSchema)?.Items,
                    }
                )
                {
                    if (nested is OpenApiSchemaReference reference)
                    {
                        reference.Description = OneLine(reference.Description);
                    }
                }
            }

            Describe(property, name, field);
            // A reference cannot say null: a nullable one is "the referenced schema, or null", so that a validator
            // accepts the null the hub writes.
            if (property is OpenApiSchemaReference nullableReference && IsNullable(member))
            {
                var description = nullableReference.Description;
                nullableReference.Description = null;
                orNull[field] = new OpenApiSchema
                {
                    Description = description,
                    OneOf = [nullableReference, new OpenApiSchema { Type = JsonSchemaType.Null }],
                };
            }
        }

        foreach (var (field, schemaOrNull) in orNull)
        {
            properties[field] = schemaOrNull;
        }

        target.Required = new HashSet<string>(required, StringComparer.Ordinal);
        target.Description = OneLine(target.Description);
    }

    /// <summary>An XML comment's text as one line: the document is read in generated code and in a browser, neither
    /// of which keeps the source's line wrapping.</summary>
    internal static string? OneLine(string? text) =>
        text is null ? null : System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s*\n\s*", " ");

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNullable(PropertyInfo member)
    {
        lock (Nullability)
        {
            return Nullability.Create(member).ReadState == NullabilityState.Nullable;
        }
    }

    private static bool IsForEach(IValidationRule rule) =>
        rule.GetType()
            .GetInterfaces()
            .Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));

    /// <summary>A rule that always applies and refuses a missing value.</summary>
    private static bool IsRequiring(IValidationRule rule) =>
        !IsForEach(rule)
        && !rule.HasCondition
        && !rule.HasAsyncCondition
        && rule.Components.Any(c =>
            !c.HasCondition && !c.HasAsyncCondition && c.Validator is INotNullValidator or INotEmptyValidator
        );

    private static void Constrain(OpenApiSchema? schema, IValidationRule rule)
    {
        if (schema is null)
        {
            return;
        }

        var isArray = schema.Type is { } type && type.HasFlag(JsonSchemaType.Array);
        foreach (var component in rule.Components)
        {
            switch (component.Validator)
            {
                case INotEmptyValidator when isArray:
                    schema.MinItems = Math.Max(schema.MinItems ?? 0, 1);
                    break;
                case INotEmptyValidator
                    when schema.Type?.HasFlag(JsonSchemaType.String) == true && schema.Format is null:
                    schema.MinLength ??= 1;
                    break;
                case ILengthValidator length:
                    schema.MinLength = length.Min > 0 ? length.Min : schema.MinLength;
                    schema.MaxLength = length.Max > 0 ? length.Max : schema.MaxLength;
                    break;
                case IRegularExpressionValidator pattern:
                    schema.Pattern = pattern.Expression;
                    break;
                case IBetweenValidator between:
                    schema.Minimum = Number(between.From);
                    schema.Maximum = Number(between.To);
                    break;
                case IComparisonValidator { ValueToCompare: { } value } comparison:
                    Compare(schema, comparison.Comparison, Number(value));
                    break;
                case IAllowedValuesValidator allowed:
                    schema.Enum = EnumOf(allowed.Values, schema);
                    break;
                case IMaxCountValidator count when schema.Type?.HasFlag(JsonSchemaType.Object) == true:
                    schema.MaxProperties = count.Max;
                    break;
                case IMaxCountValidator count:
                    schema.MaxItems = count.Max;
                    break;
            }
        }
    }

    private static void Compare(OpenApiSchema schema, Comparison comparison, string? value)
    {
        switch (comparison)
        {
            case Comparison.GreaterThanOrEqual:
                schema.Minimum = value;
                break;
            case Comparison.GreaterThan:
                schema.ExclusiveMinimum = value;
                break;
            case Comparison.LessThanOrEqual:
                schema.Maximum = value;
                break;
            case Comparison.LessThan:
                schema.ExclusiveMaximum = value;
                break;
        }
    }

    private static string? Number(object? value) =>
        value is IConvertible convertible ? convertible.ToString(CultureInfo.InvariantCulture) : null;

    private static List<JsonNode> EnumOf(IEnumerable<string> values, OpenApiSchema schema)
    {
        var list = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        // A nullable field's enum admits null too, or a validator of the document would refuse the hub's own null.
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        {
            list.Add(null!);
        }

        return list;
    }

    private static void KnownValues(OpenApiSchema schema, PropertyInfo member, Type type)
    {
        var known =
            member.GetCustomAttribute<KnownValuesAttribute>()
            ?? type.GetConstructors()
                .SelectMany(c => c.GetParameters())
                .FirstOrDefault(p => p.Name == member.Name)
                ?.GetCustomAttribute<KnownValuesAttribute>();
        if (known is null)
        {
            return;
        }

        var values = schema.Type?.HasFlag(JsonSchemaType.Array) == true ? schema.Items as OpenApiSchema : schema;
        if (values is null)
        {
            return;
        }

        if (known.Open)
        {
            values.Examples = known.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            values.Description =
                $"Known values: {string.Join(", ", known.Values.Select(v => $"`{v}`"))}; other values are custom.";
        }
        else
        {
            values.Enum = EnumOf(known.Values, values);
        }
    }

    private static void Describe(IOpenApiSchema property, string schema, string field)
    {
        var text = OneLine(property.Description) is { Length: > 0 } written
            ? written
            : FieldDescriptions.Of(schema, field);
        if (text is null)
        {
            return;
        }

        switch (property)
        {
            case OpenApiSchema own:
                own.Description = text;
                break;
            case OpenApiSchemaReference reference:
                reference.Description = text;
                break;
        }
    }
}
