"""Regenerate `source_autotask/schemas/*.json` from the field facts below (run after changing them).

The JSON files are the single source both adapters read at run time (they ship inside the wheel); this
script only keeps them consistent. Field names are Autotask's, camelCased as the live API returns them.
Type codes: i integer, n number (Decimal money/rates), s string, d date-time string, b boolean,
u user-defined fields array. Every entity field is nullable: Autotask omits or nulls unset fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "source_autotask" / "schemas"

ENTITY_FIELDS: dict[str, str] = {
    "Companies": (
        "id:i additionalAddressInformation:s address1:s address2:s alternatePhone1:s alternatePhone2:s "
        "apiVendorID:i assetValue:n billToCompanyLocationID:i billToAdditionalAddressInformation:s "
        "billingAddress1:s billingAddress2:s billToAddressToUse:i billToAttention:s billToCity:s "
        "billToCountryID:i billToState:s billToZipCode:s city:s classification:i companyName:s "
        "companyNumber:s "
        "companyType:i competitorID:i countryID:i createDate:d createdByResourceID:i currencyID:i fax:s "
        "impersonatorCreatorResourceID:i invoiceEmailMessageID:i invoiceMethod:i "
        "invoiceNonContractItemsToParentCompany:b invoiceTemplateID:i isActive:b isClientPortalActive:b "
        "isEnabledForComanaged:b isTaskFireActive:b isTaxExempt:b lastActivityDate:d "
        "lastTrackedModifiedDateTime:d marketSegmentID:i ownerResourceID:i parentCompanyID:i phone:s "
        "postalCode:s quoteEmailMessageID:i quoteTemplateID:i sicCode:s state:s stockMarket:s stockSymbol:s "
        "surveyCompanyRating:n taxID:s taxRegionID:i territoryID:i webAddress:s userDefinedFields:u"
    ),
    "Contacts": (
        "id:i additionalAddressInformation:s addressLine:s addressLine1:s alternatePhone:s apiVendorID:i "
        "bulkEmailOptOutTime:d city:s companyID:i companyLocationID:i countryID:i createDate:d "
        "emailAddress:s "
        "emailAddress2:s emailAddress3:s extension:s externalID:s facebookUrl:s faxNumber:s firstName:s "
        "impersonatorCreatorResourceID:i isActive:i isOptedOutFromBulkEmail:b lastActivityDate:d "
        "lastModifiedDate:d lastName:s linkedInUrl:s middleInitial:s mobilePhone:s namePrefix:i nameSuffix:i "
        "note:s receivesEmailNotifications:b phone:s primaryContact:b roomNumber:s solicitationOptOut:b "
        "solicitationOptOutTime:d state:s surveyOptOut:b title:s twitterUrl:s zipCode:s userDefinedFields:u"
    ),
    "Products": (
        "id:i billingType:i chargeBillingCodeID:i defaultVendorID:i description:s "
        "doesNotRequireProcurement:b "
        "externalProductID:s impersonatorCreatorResourceID:i internalProductID:s isActive:b "
        "isEligibleForRma:b "
        "isSerialized:b link:s manufacturerName:s manufacturerProductName:s markupRate:n msrp:n name:s "
        "periodType:i priceCostMethod:i productBillingCodeID:i productCategory:i sku:s unitCost:n "
        "unitPrice:n "
        "vendorProductNumber:s userDefinedFields:u"
    ),
    "Services": (
        "id:i billingCodeID:i createDate:d creatorResourceID:i description:s invoiceDescription:s isActive:b "
        "lastModifiedDate:d markupRate:n name:s periodType:i serviceLevelAgreementID:i unitCost:n "
        "unitPrice:n "
        "updateResourceID:i vendorCompanyID:i userDefinedFields:u"
    ),
    "BillingCodes": (
        "id:i afterHoursWorkType:i billingCodeType:i department:i description:s externalNumber:s "
        "generalLedgerAccount:i isActive:b isExcludedFromNewContracts:b markupRate:n name:s taxCategoryID:i "
        "unitCost:n unitPrice:n useType:i"
    ),
    "TaxCategories": "id:i description:s isActive:b name:s",
    "TaxRegions": "id:i isActive:b name:s",
    "Taxes": "id:i isCompounded:b taxCategoryID:i taxName:s taxRate:n taxRegionID:i",
    "Currencies": (
        "id:i currencyNegativeFormat:s currencyPositiveFormat:s description:s displaySymbol:i exchangeRate:n "
        "isActive:b isInternalCurrency:b lastModifiedDateTime:d name:s updateResourceId:i"
    ),
    "InvoiceTemplates": (
        "id:i coveredByBlockRetainerContractLabel:s "
        "coveredByRecurringServiceFixedPricePerTicketContractLabel:s "
        "currencyNegativeFormat:s currencyPositiveFormat:s dateFormat:i displayFixedPriceContractLabor:b "
        "displayRecurringServiceContractLabor:b displaySeparateLineItemForEachTax:b displayTaxCategory:b "
        "displayTaxCategorySuperscripts:b displayZeroAmountRecurringServicesAndBundles:b groupBy:i "
        "itemizeItemsInEachGroup:i itemizeServicesAndBundles:b name:s nonBillableLaborLabel:s numberFormat:i "
        "pageLayout:i pageNumberFormat:i paymentTerms:i rateCostExpression:s showGridHeader:b "
        "showVerticalGridLines:b sortBy:i timeFormat:i"
    ),
    "PaymentTerms": "id:i description:s isActive:b name:s paymentDueInDays:i",
    "OrganizationalLevel1s": "id:i description:s isActive:b name:s",
    "OrganizationalLevel2s": "id:i description:s isActive:b name:s",
    "OrganizationalLevelAssociations": "id:i isActive:b organizationalLevel1ID:i organizationalLevel2ID:i",
    "Invoices": (
        "id:i batchID:i comments:s companyID:i createDateTime:d creatorResourceID:i dueDate:d fromDate:d "
        "invoiceDateTime:d invoiceEditorTemplateID:i invoiceNumber:s invoiceTotal:n isVoided:b orderNumber:s "
        "paidDate:d paymentTerm:i taxGroup:i taxRegionName:s toDate:d totalTaxValue:n voidedByResourceID:i "
        "voidedDate:d webServiceDate:d userDefinedFields:u"
    ),
    "BillingItems": (
        "id:i accountManagerWhenApprovedID:i billingCodeID:i billingItemType:i companyID:i "
        "configurationItemID:i "
        "contractChargeID:i contractID:i description:s expenseItemID:i extendedPrice:n "
        "internalCurrencyExtendedPrice:n internalCurrencyRate:n internalCurrencyTaxDollars:n "
        "internalCurrencyTotalAmount:n invoiceID:i itemApproverID:i itemDate:d itemName:s "
        "lineItemFullDescription:s lineItemGroupDescription:s lineItemID:i milestoneID:i nonBillable:i "
        "organizationalLevelAssociationID:i ourCost:n postedDate:d postedOnTime:d projectChargeID:i "
        "projectID:i "
        "purchaseOrderNumber:s quantity:n rate:n roleID:i serviceBundleID:i serviceID:i subType:i taskID:i "
        "taxDollars:n ticketChargeID:i ticketID:i timeEntryID:i totalAmount:n vendorID:i webServiceDate:d"
    ),
    "PurchaseOrders": (
        "id:i cancelDateTime:d createDateTime:d creatorResourceID:i externalPONumber:s fax:s freight:n "
        "generalMemo:s impersonatorCreatorResourceID:i internalCurrencyFreight:n "
        "latestEstimatedArrivalDate:d "
        "paymentTerm:i phone:s purchaseForCompanyID:i shippingDate:d shippingType:i shipToAddress1:s "
        "shipToAddress2:s shipToCity:s shipToName:s shipToPostalCode:s shipToState:s showEachTaxInGroup:b "
        "showTaxCategory:b status:i submitDateTime:d taxRegionID:i useItemDescriptionsFrom:i vendorID:i "
        "vendorInvoiceNumber:s"
    ),
    "PurchaseOrderItems": (
        "id:i chargeID:i contractID:i estimatedArrivalDate:d internalCurrencyUnitCost:n "
        "inventoryLocationID:i "
        "memo:s orderID:i productID:i projectID:i quantity:i salesOrderID:i ticketID:i unitCost:n"
    ),
}

TYPES: dict[str, dict[str, Any]] = {
    "i": {"type": ["null", "integer"]},
    "n": {"type": ["null", "number"]},
    "s": {"type": ["null", "string"]},
    "d": {"type": ["null", "string"], "format": "date-time"},
    "b": {"type": ["null", "boolean"]},
    "u": {
        "type": ["null", "array"],
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "value": {"type": ["null", "string", "number", "boolean"]},
            },
        },
    },
}


def fields(entity: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in ENTITY_FIELDS[entity].split():
        name, code = item.split(":")
        out[name] = dict(TYPES[code])
    out["id"] = {"type": "integer"}
    return out


def nullable(text: str) -> dict[str, Any]:
    return {"type": ["null", text]}


def obj(properties: dict[str, Any], nullable_object: bool = True) -> dict[str, Any]:
    return {"type": ["null", "object"] if nullable_object else "object", "properties": properties}


def schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": properties}


def company_snapshot() -> dict[str, Any]:
    props = {
        name: spec
        for name, spec in fields("Companies").items()
        if name
        in {
            "id",
            "companyName",
            "companyNumber",
            "companyType",
            "isActive",
            "phone",
            "address1",
            "address2",
            "additionalAddressInformation",
            "city",
            "state",
            "postalCode",
            "countryID",
            "billingAddress1",
            "billingAddress2",
            "billToAdditionalAddressInformation",
            "billToAddressToUse",
            "billToAttention",
            "billToCity",
            "billToState",
            "billToZipCode",
            "billToCountryID",
            "currencyID",
            "invoiceTemplateID",
            "taxRegionID",
            "isTaxExempt",
            "taxID",
            "parentCompanyID",
            "webAddress",
            "territoryID",
            "userDefinedFields",
        }
    }
    # picklist labels: numbers differ between databases, a mapping names the label
    props["companyTypeName"] = nullable("string")
    props["territoryName"] = nullable("string")
    props["taxRegionName"] = nullable("string")
    props["countryName"] = nullable("string")
    props["countryCode"] = nullable("string")
    props["billToCountryName"] = nullable("string")
    props["billToCountryCode"] = nullable("string")
    return obj(props)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    simple = {
        "companies": "Companies",
        "contacts": "Contacts",
        "products": "Products",
        "services": "Services",
        "billing_codes": "BillingCodes",
        "tax_categories": "TaxCategories",
        "tax_regions": "TaxRegions",
        "taxes": "Taxes",
        "currencies": "Currencies",
        "invoice_templates": "InvoiceTemplates",
        "payment_terms": "PaymentTerms",
    }
    schemas: dict[str, dict[str, Any]] = {stream: schema(fields(entity)) for stream, entity in simple.items()}
    # productCategory is a picklist number (it differs between databases); its label is what a mapping names
    schemas["products"]["properties"]["productCategoryName"] = nullable("string")

    level = obj(fields("OrganizationalLevel1s"))
    org = fields("OrganizationalLevelAssociations")
    org["organizationalLevel1"] = level
    org["organizationalLevel2"] = obj(fields("OrganizationalLevel2s"))
    schemas["organizational_levels"] = schema(org)

    line = fields("BillingItems")
    line.update(
        {
            "billingItemTypeName": nullable("string"),
            "billingCodeName": nullable("string"),
            "billingCodeExternalNumber": nullable("string"),
            "generalLedgerAccount": nullable("integer"),
            "serviceName": nullable("string"),
            "serviceInvoiceDescription": nullable("string"),
            "serviceSku": nullable("string"),
            "productID": nullable("integer"),
            "productName": nullable("string"),
            "productSku": nullable("string"),
            "productCategory": nullable("integer"),
            "productCategoryName": nullable("string"),
            "taxCategoryID": nullable("integer"),
            "taxCategoryName": nullable("string"),
            "organizationalLevel1ID": nullable("integer"),
            "organizationalLevel1Name": nullable("string"),
            "organizationalLevel2ID": nullable("integer"),
            "organizationalLevel2Name": nullable("string"),
            "sortOrderID": nullable("integer"),
            "departmentName": nullable("string"),
        }
    )
    currency = {
        k: v
        for k, v in fields("Currencies").items()
        if k in {"id", "name", "description", "exchangeRate", "isInternalCurrency", "displaySymbol"}
    }
    invoice = fields("Invoices")
    invoice.update(
        {
            "invoiceTemplateName": nullable("string"),
            "paymentTermName": nullable("string"),
            "paymentTermDueInDays": nullable("integer"),
            "currency": obj(currency),
            "taxRegion": obj({"id": nullable("integer"), "name": nullable("string")}),
            "company": company_snapshot(),
            "lines": {"type": "array", "items": {"type": "object", "properties": line}},
            "lineCount": {"type": "integer"},
            "linesTotal": {"type": "number"},
            "linesTaxTotal": {"type": "number"},
            # with `invoice_pdfs` on; both null when it is off
            "invoicePDF": obj(
                {
                    "fileName": {"type": "string"},
                    "contentType": {"type": "string"},
                    "data": {"type": "string", "contentEncoding": "base64"},
                    "size": {"type": "integer"},
                    "sha256": {"type": "string"},
                }
            ),
            "invoicePDFError": nullable("string"),
        }
    )
    schemas["invoices"] = schema(invoice)

    item = fields("PurchaseOrderItems")
    item.update(
        {"productName": nullable("string"), "productSku": nullable("string"), "lineTotal": nullable("number")}
    )
    order = fields("PurchaseOrders")
    order.update(
        {
            "statusName": nullable("string"),
            "receivedDate": {"type": ["null", "string"], "format": "date-time"},
            "paymentTermName": nullable("string"),
            "taxRegionName": nullable("string"),
            "currency": obj(currency),
            "vendor": company_snapshot(),
            "items": {"type": "array", "items": {"type": "object", "properties": item}},
            "itemsTotal": {"type": "number"},
        }
    )
    schemas["purchase_orders"] = schema(order)

    for name, body in sorted(schemas.items()):
        (OUT / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n")
    print(f"wrote {len(schemas)} schemas to {OUT}")


if __name__ == "__main__":
    main()
