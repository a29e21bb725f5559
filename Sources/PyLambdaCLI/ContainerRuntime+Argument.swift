import ArgumentParser
import Dispatcher

extension ContainerRuntime: ExpressibleByArgument {}
