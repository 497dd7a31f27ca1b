#pragma once
// A platform's own section of the configuration, typed by the platform. The
// configuration holds the chosen platform's section without knowing its type;
// the platform's keys write into it and the platform reads it back.
#include <memory>
#include <stdexcept>
#include <typeinfo>

namespace mf::config {

class PlatformSettings {
 public:
  virtual ~PlatformSettings() = default;
  virtual std::unique_ptr<PlatformSettings> clone() const = 0;
};

// struct Settings : config::PlatformSettingsOf<Settings> { ... };
template <class Derived>
class PlatformSettingsOf : public PlatformSettings {
 public:
  std::unique_ptr<PlatformSettings> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// The slot in Config: copied with the configuration (a reload compares two).
class PlatformSettingsSlot {
 public:
  PlatformSettingsSlot() = default;
  explicit PlatformSettingsSlot(std::unique_ptr<PlatformSettings> settings) : settings_(std::move(settings)) {}
  PlatformSettingsSlot(const PlatformSettingsSlot& other) : settings_(other.settings_ ? other.settings_->clone() : nullptr) {}
  PlatformSettingsSlot(PlatformSettingsSlot&&) noexcept = default;
  PlatformSettingsSlot& operator=(const PlatformSettingsSlot& other) {
    if (this != &other) settings_ = other.settings_ ? other.settings_->clone() : nullptr;
    return *this;
  }
  PlatformSettingsSlot& operator=(PlatformSettingsSlot&&) noexcept = default;

  // The section as its platform knows it. Asking for another platform's type
  // is a programming error (the loader never applies a key of another platform).
  template <class T>
  T& as() {
    auto* typed = dynamic_cast<T*>(settings_.get());
    if (typed == nullptr) throw std::logic_error(std::string("platform settings are not ") + typeid(T).name());
    return *typed;
  }
  template <class T>
  const T& as() const {
    return const_cast<PlatformSettingsSlot&>(*this).as<T>();
  }

 private:
  std::unique_ptr<PlatformSettings> settings_;
};

}  // namespace mf::config
